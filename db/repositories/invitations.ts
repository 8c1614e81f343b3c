import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../schema';

type Db = Kysely<Database> | Transaction<Database>;

export interface NewInvitation {
  invitationId: string;
  tokenHash: string;
  coachId: string | null;
  parentEmail: string;
  schoolId: number;
  sport: string | null;
  expiresAt: Date;
}

export async function insertInvitation(db: Db, inv: NewInvitation) {
  await db
    .insertInto('invitations')
    .values({
      invitation_id: inv.invitationId,
      token_hash: inv.tokenHash,
      coach_id: inv.coachId,
      parent_email: inv.parentEmail,
      school_id: inv.schoolId,
      sport: inv.sport,
      expires_at: inv.expiresAt,
    })
    .onConflict((oc) => oc.column('invitation_id').doNothing())
    .execute();
  return db
    .selectFrom('invitations')
    .selectAll()
    .where('invitation_id', '=', inv.invitationId)
    .executeTakeFirstOrThrow();
}

export async function findInvitationByTokenHash(db: Db, tokenHash: string) {
  return db.selectFrom('invitations').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/**
 * Redeems an invitation once: the first caller's enrollment id sticks, every later (or concurrent) caller gets that
 * same id back. Returns undefined when the invitation cannot be redeemed (revoked or expired).
 */
export async function redeemInvitation(db: Db, invitationId: string, candidateEnrollmentId: string) {
  return db
    .updateTable('invitations')
    .set((eb) => ({
      status: 'redeemed',
      enrollment_id: eb.fn.coalesce('enrollment_id', eb.val(candidateEnrollmentId)),
      redeemed_at: eb.fn.coalesce('redeemed_at', eb.val(new Date())),
    }))
    .where('invitation_id', '=', invitationId)
    .where((eb) =>
      eb.or([eb('status', '=', 'redeemed'), eb.and([eb('status', '=', 'pending'), eb('expires_at', '>', new Date())])]),
    )
    .returning(['enrollment_id', 'coach_id', 'school_id', 'parent_email'])
    .executeTakeFirst();
}
