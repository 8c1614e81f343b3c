import type { Kysely, Transaction } from 'kysely';
import type { ApiClient, Database } from '../schema';

type Db = Kysely<Database> | Transaction<Database>;

export async function insertApiClient(
  db: Db,
  client: { clientId: string; name: string; secretHash: string; scopes: string[]; createdBy: string },
): Promise<ApiClient> {
  return db
    .insertInto('api_clients')
    .values({
      client_id: client.clientId,
      name: client.name,
      secret_hash: client.secretHash,
      scopes: JSON.stringify(client.scopes),
      created_by: client.createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findApiClient(db: Db, clientId: string): Promise<ApiClient | undefined> {
  return db.selectFrom('api_clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
}

export async function listApiClients(db: Db): Promise<ApiClient[]> {
  return db.selectFrom('api_clients').selectAll().orderBy('created_at').orderBy('client_id').execute();
}

/** Revoking twice keeps the first revocation time. */
export async function revokeApiClient(db: Db, clientId: string): Promise<ApiClient | undefined> {
  await db
    .updateTable('api_clients')
    .set({ revoked_at: new Date() })
    .where('client_id', '=', clientId)
    .where('revoked_at', 'is', null)
    .execute();
  return findApiClient(db, clientId);
}
