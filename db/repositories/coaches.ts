import { sql, type Kysely, type Transaction } from 'kysely';
import type { CoachProjection, QuizAttemptRow } from '../../domain/coach-onboarding';
import type { Database } from '../schema';

export type { CoachProjection, QuizAttemptRow } from '../../domain/coach-onboarding';

type Db = Kysely<Database> | Transaction<Database>;

export interface NewCoach {
  coachId: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
}

/** Creates the coach's profile once per e-mail address; a repeat (or a race) answers the coach that holds it. */
export async function insertCoachIfAbsent(db: Db, coach: NewCoach): Promise<{ coachId: string; created: boolean }> {
  const inserted = await db
    .insertInto('coach_profiles')
    .values({
      coach_id: coach.coachId,
      first_name: coach.firstName,
      last_name: coach.lastName,
      email: coach.email,
      phone: coach.phone,
      onboarding_status: 'in_progress',
    })
    .onConflict((oc) => oc.column('email').doNothing())
    .returning('coach_id')
    .executeTakeFirst();
  if (inserted) return { coachId: inserted.coach_id, created: true };
  const existing = await db
    .selectFrom('coach_profiles')
    .select('coach_id')
    .where('email', '=', coach.email)
    .executeTakeFirstOrThrow();
  return { coachId: existing.coach_id, created: false };
}

export async function findCoach(db: Db, coachId: string) {
  return db.selectFrom('coach_profiles').selectAll().where('coach_id', '=', coachId).executeTakeFirst();
}

/** Writes the projection in one transaction; an older version (a slow retry) changes nothing. */
export async function upsertCoachProjection(db: Kysely<Database>, p: CoachProjection): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('coach_profiles')
      .set({
        onboarding_status: p.onboardingStatus,
        current_step: p.currentStep,
        failure_reason: p.failureReason,
        background_check_status: p.backgroundCheckStatus,
        school_id: p.schoolId,
        projection_version: p.version,
        updated_at: new Date(),
        ...(p.profile
          ? {
              sport_specialties: JSON.stringify(p.profile.sportSpecialties),
              location_preferences: JSON.stringify(p.profile.locationPreferences),
              max_students: p.profile.maxStudents,
              bio: p.profile.bio,
            }
          : {}),
        ...(p.business
          ? {
              llc_name: p.business.llcName,
              ein: p.business.ein,
              insurance_provider: p.business.insuranceProvider,
              insurance_policy_number: p.business.policyNumber,
              insurance_expires_on: p.business.insuranceExpiry,
            }
          : {}),
      })
      .where('coach_id', '=', p.coachId)
      .where('projection_version', '<', p.version)
      .executeTakeFirst();
    const check = p.backgroundCheck;
    if (Number(updated.numUpdatedRows) === 0 || !check) return;
    await trx
      .updateTable('background_checks')
      .set({
        status: check.status,
        report_id: check.reportId,
        report_status: check.reportStatus,
        report_result: check.reportResult,
        adjudication: check.adjudication,
        completed_at: check.completedAt,
        result: check.reason ? JSON.stringify({ reason: check.reason }) : null,
        updated_at: new Date(),
      })
      .where('request_key', '=', check.requestKey)
      .execute();
  });
}

export interface BackgroundCheckRequestRow {
  requestKey: string;
  coachId: string;
  provider: string;
  candidateId: string;
  invitationId: string;
  legalFirstName: string;
  legalLastName: string;
  birthDate: string;
  ssnLast4: string;
}

/** The one row (and the only place outside the encrypted history) holding the check's personal data. */
export async function insertBackgroundCheckRequest(db: Db, r: BackgroundCheckRequestRow): Promise<void> {
  await db
    .insertInto('background_checks')
    .values({
      request_key: r.requestKey,
      coach_id: r.coachId,
      provider: r.provider,
      provider_reference: r.invitationId,
      candidate_id: r.candidateId,
      invitation_id: r.invitationId,
      status: 'pending',
      legal_first_name: r.legalFirstName,
      legal_last_name: r.legalLastName,
      birth_date: r.birthDate,
      ssn_last4: r.ssnLast4,
    })
    .onConflict((oc) => oc.column('request_key').doNothing())
    .execute();
}

export async function findBackgroundCheckRequest(db: Db, requestKey: string) {
  return db.selectFrom('background_checks').selectAll().where('request_key', '=', requestKey).executeTakeFirst();
}

/** The coach a provider candidate belongs to. */
export async function findCoachByCandidate(db: Db, candidateId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('background_checks')
    .select('coach_id')
    .where('candidate_id', '=', candidateId)
    .executeTakeFirst();
  return row?.coach_id;
}

/** Records a webhook event once; false when its id was seen before. */
export async function recordBackgroundCheckEvent(
  db: Db,
  e: {
    eventId: string;
    type: string;
    objectId: string;
    candidateId: string;
    coachId: string | null;
    createdAt: string;
  },
): Promise<boolean> {
  const row = await db
    .insertInto('background_check_events')
    .values({
      event_id: e.eventId,
      type: e.type,
      object_id: e.objectId,
      candidate_id: e.candidateId,
      coach_id: e.coachId,
      created_at: e.createdAt,
    })
    .onConflict((oc) => oc.column('event_id').doNothing())
    .returning('event_id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function insertQuizAttempt(db: Db, a: QuizAttemptRow): Promise<void> {
  await db
    .insertInto('quiz_attempts')
    .values({
      coach_id: a.coachId,
      attempt_id: a.attemptId,
      attempt_number: a.attemptNumber,
      question_ids: JSON.stringify(a.questionIds),
      answers: JSON.stringify(a.answers),
      correct_count: a.correctCount,
      score_percent: a.scorePercent,
      passed: a.passed,
      started_at: a.startedAt,
      attempted_at: a.submittedAt,
      duration_ms: Math.max(0, Date.parse(a.submittedAt) - Date.parse(a.startedAt)),
    })
    .onConflict((oc) => oc.column('attempt_id').doNothing())
    .execute();
}

export interface NewMicroschool {
  coachId: string;
  schoolName: string;
  address: { line1: string; line2?: string; city: string; state: string; postalCode: string };
  gradesServed: string[];
  sports: string[];
}

export const coachUserSourcedId = (coachId: string) => `user-${coachId}`;
export const coachSchoolOrgSourcedId = (coachId: string) => `org-${coachId}`;

/**
 * The coach's microschool in one transaction: the OneRoster org under the TSA network, the Ed-Fi `schools` row with
 * an id from `school_id_seq`, the coach's OneRoster user (a teacher, not enabled until onboarding completes) and its
 * `head_coach` association. Every insert is keyed, so a retry answers the same school.
 */
export async function createMicroschool(db: Kysely<Database>, s: NewMicroschool): Promise<{ schoolId: number }> {
  return db.transaction().execute(async (trx) => {
    const coach = await trx
      .selectFrom('coach_profiles')
      .select(['first_name', 'last_name', 'email', 'phone'])
      .where('coach_id', '=', s.coachId)
      .executeTakeFirstOrThrow();
    const orgId = coachSchoolOrgSourcedId(s.coachId);
    const userId = coachUserSourcedId(s.coachId);
    await trx
      .insertInto('orgs')
      .values({
        sourced_id: orgId,
        name: s.schoolName,
        type: 'school',
        parent_sourced_id: 'tsa-network',
        metadata: JSON.stringify({
          coachId: s.coachId,
          address: s.address,
          gradesServed: s.gradesServed,
          sports: s.sports,
        }),
      })
      .onConflict((oc) => oc.column('sourced_id').doNothing())
      .execute();
    await trx
      .insertInto('schools')
      .values({
        school_id: sql<number>`nextval('school_id_seq')`,
        org_sourced_id: orgId,
        name_of_institution: s.schoolName,
      })
      .onConflict((oc) => oc.column('org_sourced_id').doNothing())
      .execute();
    const school = await trx
      .selectFrom('schools')
      .select('school_id')
      .where('org_sourced_id', '=', orgId)
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('orgs')
      .set({ identifier: String(school.school_id) })
      .where('sourced_id', '=', orgId)
      .execute();
    await trx
      .insertInto('users')
      .values({
        sourced_id: userId,
        enabled_user: false,
        given_name: coach.first_name,
        family_name: coach.last_name,
        role: 'teacher',
        identifier: s.coachId,
        email: coach.email,
        phone: coach.phone,
        org_ids: JSON.stringify([orgId]),
        grades: JSON.stringify(s.gradesServed),
      })
      .onConflict((oc) => oc.column('sourced_id').doNothing())
      .execute();
    await trx
      .insertInto('user_org_associations')
      .values({ user_sourced_id: userId, org_sourced_id: orgId, role: 'head_coach' })
      .onConflict((oc) => oc.columns(['user_sourced_id', 'org_sourced_id', 'role']).doNothing())
      .execute();
    await trx
      .updateTable('coach_profiles')
      .set({ user_sourced_id: userId, school_id: school.school_id })
      .where('coach_id', '=', s.coachId)
      .execute();
    return { schoolId: school.school_id };
  });
}

/** Completion: the coach's OneRoster user becomes an active, enabled teacher and the profile reads `completed`. */
export async function activateCoach(db: Kysely<Database>, coachId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('users')
      .set({ status: 'active', enabled_user: true, date_last_modified: new Date() })
      .where('sourced_id', '=', coachUserSourcedId(coachId))
      .execute();
    await trx
      .updateTable('coach_profiles')
      .set({ onboarding_status: 'completed', updated_at: new Date() })
      .where('coach_id', '=', coachId)
      .execute();
  });
}

/** The schools a coach heads. */
export async function coachSchoolIds(db: Db, coachId: string): Promise<number[]> {
  const rows = await db
    .selectFrom('user_org_associations as a')
    .innerJoin('schools as s', 's.org_sourced_id', 'a.org_sourced_id')
    .select('s.school_id')
    .where('a.user_sourced_id', '=', coachUserSourcedId(coachId))
    .where('a.role', '=', 'head_coach')
    .orderBy('s.school_id')
    .execute();
  return rows.map((r) => Number(r.school_id));
}

/** A coach's invitations, newest first; a pending one past its expiry reads `expired`. */
export async function listCoachInvitations(db: Db, coachId: string) {
  const rows = await db
    .selectFrom('invitations')
    .select([
      'invitation_id',
      'parent_email',
      'school_id',
      'sport',
      'status',
      'enrollment_id',
      'expires_at',
      'created_at',
    ])
    .where('coach_id', '=', coachId)
    .orderBy('created_at', 'desc')
    .orderBy('invitation_id')
    .execute();
  const now = Date.now();
  return rows.map((r) => ({
    ...r,
    status: r.status === 'pending' && r.expires_at.getTime() <= now ? ('expired' as const) : r.status,
  }));
}
