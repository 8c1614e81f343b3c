import { promises as fs } from 'fs';
import path from 'path';
import type { Kysely } from 'kysely';
import { FileMigrationProvider, Migrator, NO_MIGRATIONS, type MigrationResultSet } from 'kysely/migration';

function createMigrator(db: Kysely<any>): Migrator {
  return new Migrator({
    db,
    provider: new FileMigrationProvider({
      fs,
      path,
      migrationFolder: path.join(__dirname, 'migrations'),
      // Imported from here rather than from inside kysely, so the loader that runs this file (tsx, vitest) also
      // loads the TypeScript migrations.
      import: (filePath) => import(filePath),
    }),
  });
}

/** Names of the migrations run, or an Error naming the one that failed (nothing of that run is kept). */
function migrationsRun(direction: string, { error, results = [] }: MigrationResultSet): string[] {
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error');
    const reason = error instanceof Error ? error.message : String(error);
    const message = failed
      ? `Migration ${failed.migrationName} failed (${direction}): ${reason}`
      : `Migrating ${direction} failed: ${reason}`;
    throw new Error(message, { cause: error });
  }
  return results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
}

/**
 * Applies every pending migration in one transaction and returns their names. Safe to call from several processes
 * at once: the migrator holds a PostgreSQL advisory lock while it runs.
 */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  return migrationsRun('up', await createMigrator(db).migrateToLatest());
}

/** Reverts the last `steps` applied migrations (or all of them) in one transaction and returns their names. */
export async function migrateDown(db: Kysely<any>, steps: number | 'all'): Promise<string[]> {
  if (steps !== 'all' && !(Number.isInteger(steps) && steps >= 0)) {
    throw new Error(`migrateDown: steps must be a non-negative integer or 'all', got ${steps}`);
  }
  const migrator = createMigrator(db);
  const applied = (await migrator.getMigrations()).filter((migration) => migration.executedAt !== undefined);
  if (steps === 0 || applied.length === 0) return [];

  const keep = steps === 'all' ? 0 : Math.max(applied.length - steps, 0);
  const target = keep === 0 ? NO_MIGRATIONS : applied[keep - 1]!.name;
  return migrationsRun('down', await migrator.migrateTo(target));
}
