import type { Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coachOnboardingWorkflowId, type CoachOnboardingProgress } from '../../workflows/coach-onboarding/messages';
import { bearer, createInvitation, redeem, token, waitForValue } from '../helpers/enrollment';
import {
  answers,
  candidateOf,
  coachSteps,
  onboardedCoach,
  putStep,
  signUp,
  startAttempt,
  stepOk,
  throughBackgroundCheckRequest,
  waitForCoach,
  type Coach,
} from '../helpers/coaches';
import { createTestStack, type TestStack } from '../helpers/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await createTestStack({ backgroundChecks: {} });
});
afterAll(async () => stack?.close());

async function decode(payloads: Payload[]): Promise<unknown[]> {
  const converter = stack.client.options.loadedDataConverter;
  let decoded = payloads;
  for (const codec of [...converter.payloadCodecs].reverse()) decoded = await codec.decode(decoded);
  return decoded.map((p) => converter.payloadConverter.fromPayload(p));
}

async function profileRow(coach: Coach) {
  return stack.db
    .selectFrom('coach_profiles')
    .selectAll()
    .where('coach_id', '=', coach.coachId)
    .executeTakeFirstOrThrow();
}

async function rowsOf(coach: Coach) {
  const [profile, attempts, checks] = await Promise.all([
    profileRow(coach),
    stack.db.selectFrom('quiz_attempts').selectAll().where('coach_id', '=', coach.coachId).execute(),
    stack.db.selectFrom('background_checks').selectAll().where('coach_id', '=', coach.coachId).execute(),
  ]);
  return { profile, attempts, checks };
}

describe('a coach from sign-up to a running microschool', () => {
  it('completes every step, writes every row, starts the timeline, and invites a parent who enrolls', async () => {
    const coach = await signUp(stack);
    expect(coach.coachId).toMatch(/^TSA-COACH-\d{8}-[A-Z0-9]{6}$/);
    // The same e-mail signs up again: the same coach, but no token for whoever merely knows the address.
    const repeat = { firstName: 'Dana', lastName: 'Rivera', email: coach.email.toUpperCase(), phone: '512-555-0100' };
    const again = await stack.app.inject({ method: 'POST', url: '/v1/coaches', payload: repeat });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toEqual({ coachId: coach.coachId });
    // The coach itself, retrying with its token, gets one back.
    const retried = await stack.app.inject({
      method: 'POST',
      url: '/v1/coaches',
      headers: bearer(coach.coachToken),
      payload: repeat,
    });
    expect(retried.statusCode, retried.body).toBe(200);
    expect(retried.json()).toMatchObject({ coachId: coach.coachId, coachToken: expect.any(String) });

    const first = await stack.app.inject({
      method: 'GET',
      url: `/v1/coaches/${coach.coachId}/onboarding`,
      headers: bearer(coach.coachToken),
    });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({
      status: 'in_progress',
      currentStep: 1,
      backgroundCheck: { status: 'not_started' },
    });

    await throughBackgroundCheckRequest(stack, coach);
    // One attempt below the pass mark, then one above it.
    const firstAttempt = (await startAttempt(stack, coach)).json();
    expect(firstAttempt.questions).toHaveLength(10);
    expect(JSON.stringify(firstAttempt)).not.toContain('correct');
    const failed = await stepOk(stack, coach, 4, answers(firstAttempt, 7));
    expect(failed.quiz).toMatchObject({ attempts: 1, passed: false, bestScore: 70 });
    const secondAttempt = (await startAttempt(stack, coach)).json();
    const passed = await stepOk(stack, coach, 4, answers(secondAttempt, 9));
    expect(passed.quiz).toMatchObject({ attempts: 2, passed: true, bestScore: 90 });

    await waitForCoach(stack, coach, (p) => p.backgroundCheck.status === 'passed');
    const done = await stepOk(stack, coach, 5, coachSteps[5]);
    expect(done).toMatchObject({ status: 'completed', backgroundCheck: { status: 'passed', result: 'clear' } });
    expect(done.timelineId).toMatch(/^TSA-TL-\d{8}-[A-Z0-9]{6}$/);
    expect(done.schoolId).toBeGreaterThanOrEqual(1000);
    expect(done.steps.map((s) => s.status)).toEqual(['completed', 'completed', 'completed', 'completed', 'completed']);

    // The projection is written after the workflow answers.
    const { profile, attempts, checks } = await waitForValue(
      () => rowsOf(coach),
      (r) => r.profile.background_check_status === 'passed' && r.checks[0]?.status === 'passed',
      'the projected rows',
    );
    expect(profile).toMatchObject({
      onboarding_status: 'completed',
      background_check_status: 'passed',
      sport_specialties: ['basketball', 'track'],
      location_preferences: ['Austin, TX'],
      max_students: 12,
      bio: 'Former D1 guard.',
      llc_name: 'Hoops Academy LLC',
      ein: '12-3456789',
      insurance_provider: 'Lone Star Mutual',
      insurance_policy_number: 'LSM-55512',
      insurance_expires_on: coachSteps[2].insuranceExpiry,
      school_id: done.schoolId,
      user_sourced_id: `user-${coach.coachId}`,
    });
    expect(attempts.sort((a, b) => a.attempt_number - b.attempt_number)).toMatchObject([
      { attempt_number: 1, score_percent: '70.00', passed: false, correct_count: 7 },
      { attempt_number: 2, score_percent: '90.00', passed: true, correct_count: 9 },
    ]);
    expect(attempts[0]!.answers).toHaveLength(10);
    expect(attempts[0]!.duration_ms).toBeGreaterThanOrEqual(0);
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({
      status: 'passed',
      provider: 'checkr',
      report_status: 'complete',
      report_result: 'clear',
      legal_first_name: 'Dana',
      legal_last_name: 'Rivera',
      birth_date: '1988-04-02',
      ssn_last4: '4321',
    });

    const school = await stack.db
      .selectFrom('schools')
      .innerJoin('orgs', 'orgs.sourced_id', 'schools.org_sourced_id')
      .selectAll()
      .where('school_id', '=', done.schoolId!)
      .executeTakeFirstOrThrow();
    expect(school).toMatchObject({
      name_of_institution: 'Austin Hoops Microschool',
      name: 'Austin Hoops Microschool',
      type: 'school',
      parent_sourced_id: 'tsa-network',
      identifier: String(done.schoolId),
    });
    const teacher = await stack.db
      .selectFrom('users')
      .innerJoin('user_org_associations as a', 'a.user_sourced_id', 'users.sourced_id')
      .select(['users.role', 'users.status', 'users.enabled_user', 'a.role as association', 'a.org_sourced_id'])
      .where('users.sourced_id', '=', `user-${coach.coachId}`)
      .execute();
    expect(teacher).toEqual([
      {
        role: 'teacher',
        status: 'active',
        enabled_user: true,
        association: 'head_coach',
        org_sourced_id: school.sourced_id,
      },
    ]);

    // The launch timeline: started as an abandoned child with the agreed id and input.
    const history = await stack.client.workflow.getHandle(coachOnboardingWorkflowId(coach.coachId)).fetchHistory();
    const started = history.events!.find(
      (e) => e.startChildWorkflowExecutionInitiatedEventAttributes,
    )!.startChildWorkflowExecutionInitiatedEventAttributes!;
    expect(started.workflowType?.name).toBe('coachTimelineWorkflow');
    expect(started.workflowId).toBe(`timeline:${done.timelineId}`);
    expect(started.parentClosePolicy).toBe(2); // PARENT_CLOSE_POLICY_ABANDON
    expect(await decode(started.input!.payloads as Payload[])).toEqual([
      {
        timelineId: done.timelineId,
        coachId: coach.coachId,
        templateId: 'default_microschool_v1',
        name: 'Austin Hoops Microschool launch',
        targetLaunchDate: coachSteps[5].targetLaunchDate,
        focusAreas: ['basketball'],
        customizationLevel: 'moderate',
      },
    ]);
    // Branch i15 registers that workflow; here its tasks cannot run, so it is ended.
    await stack.client.workflow.getHandle(`timeline:${done.timelineId}`).terminate('not registered on this branch');
    // No personal data in search attributes.
    const description = await stack.client.workflow.getHandle(coachOnboardingWorkflowId(coach.coachId)).describe();
    expect(JSON.stringify(description.searchAttributes)).not.toMatch(/Dana|Rivera|example\.com|4321/);

    // The onboarded coach invites a parent for its school (the default), and the parent enrolls.
    const invitation = await createInvitation(stack, { sport: 'basketball' }, coach.coachToken);
    const listed = await stack.app.inject({
      method: 'GET',
      url: `/v1/coaches/${coach.coachId}/invitations`,
      headers: bearer(coach.coachToken),
    });
    expect(listed.json().invitations).toMatchObject([
      { invitationId: invitation.invitationId, schoolId: done.schoolId, status: 'pending', enrollmentId: null },
    ]);
    const enrolled = await redeem(stack, invitation.invitationToken);
    expect(enrolled.statusCode, enrolled.body).toBe(201);
    const { enrollmentId } = enrolled.json();
    const enrollment = await stack.db
      .selectFrom('enrollments')
      .selectAll()
      .where('enrollment_id', '=', enrollmentId)
      .executeTakeFirstOrThrow();
    expect(enrollment).toMatchObject({ coach_id: coach.coachId, school_id: done.schoolId });
    // The enrollment's workflow sets its search attributes with its first projection write.
    await waitForValue(
      async () => (await stack.client.workflow.getHandle(enrollmentId).describe()).searchAttributes,
      (a) => a.CoachId?.[0] === coach.coachId && a.SchoolId?.[0] === done.schoolId,
      'enrollment search attributes',
    );
    const afterRedeem = await stack.app.inject({
      method: 'GET',
      url: `/v1/coaches/${coach.coachId}/invitations`,
      headers: bearer(token(stack, { role: 'ops' })),
    });
    expect(afterRedeem.json().invitations).toMatchObject([{ status: 'redeemed', enrollmentId }]);

    // Every mutating request of the coach left an audit row.
    const audit = await stack.db.selectFrom('audit_log').selectAll().where('target', '=', coach.coachId).execute();
    const actions = audit.map((r) => `${r.action} ${r.outcome}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        'POST /v1/coaches 201',
        'POST /v1/coaches 200',
        'PUT /v1/coaches/:id/onboarding/steps/:step 200',
        'POST /v1/coaches/:id/onboarding/quiz/attempts 201',
        'POST /v1/webhooks/background-checks 202',
      ]),
    );
    expect(actions.filter((a) => a.startsWith('PUT')).length).toBe(6);
  });
});

describe('refusals change nothing', () => {
  const read = (coach: Coach) =>
    stack.app.inject({
      method: 'GET',
      url: `/v1/coaches/${coach.coachId}/onboarding`,
      headers: bearer(coach.coachToken),
    });

  /** What a refusal must leave as it was: the progress and the rows (less the projection's own write stamps). */
  async function snapshot(coach: Coach) {
    const progress = (await read(coach)).json() as CoachOnboardingProgress;
    const { profile, ...rows } = await rowsOf(coach);
    const { projection_version: _v, updated_at: _u, ...shown } = profile;
    return { progress, rows: { ...rows, profile: shown } };
  }

  async function unchanged(coach: Coach, act: () => Promise<void>) {
    // The projection of the last accepted change is written after its answer: let it land first.
    const before = await waitForValue(
      () => snapshot(coach),
      (s) => s.rows.profile.current_step === s.progress.currentStep,
      'the projection of the last change',
    );
    await act();
    expect(await snapshot(coach)).toEqual(before);
  }

  it('a bad EIN, an insurance expiring today, steps out of order and a late correction', async () => {
    const coach = await signUp(stack);
    await unchanged(coach, async () => {
      const res = await putStep(stack, coach, 2, coachSteps[2]);
      expect(res.statusCode, res.body).toBe(409);
      expect(res.json()).toMatchObject({ error: 'step_out_of_order' });
    });
    await stepOk(stack, coach, 1, coachSteps[1]);
    await unchanged(coach, async () => {
      const res = await putStep(stack, coach, 2, { ...coachSteps[2], ein: '00-1234567' });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().issues).toEqual([{ path: 'ein', message: 'must not start with 00 (no such IRS prefix)' }]);
      const malformed = await putStep(stack, coach, 2, { ...coachSteps[2], ein: '123456789', capacity: 3 });
      expect(malformed.statusCode).toBe(400);
      expect(
        malformed
          .json()
          .issues.map((i: { path: string }) => i.path)
          .sort(),
      ).toEqual(['capacity', 'ein']);
      const today = new Date().toISOString().slice(0, 10);
      const expiring = await putStep(stack, coach, 2, { ...coachSteps[2], insuranceExpiry: today });
      expect(expiring.statusCode, expiring.body).toBe(400);
      expect(expiring.json().issues[0].path).toBe('insuranceExpiry');
      const capacity = await putStep(stack, coach, 1, { ...coachSteps[1], capacity: 201 });
      expect(capacity.statusCode).toBe(400);
    });
    // A completed step may be corrected until the background check starts.
    const corrected = await stepOk(stack, coach, 1, { ...coachSteps[1], capacity: 20 });
    expect(corrected.steps[0]!.status).toBe('completed');
    await stepOk(stack, coach, 2, coachSteps[2]);
    await unchanged(coach, async () => {
      const early = await startAttempt(stack, coach);
      expect(early.statusCode, early.body).toBe(409);
      const school = await putStep(stack, coach, 5, coachSteps[5]);
      expect(school.statusCode, school.body).toBe(409);
    });
    await stepOk(stack, coach, 3, { ...coachSteps[3], legalLastName: 'Rivera-Held' });
    await candidateOf(stack, coach);
    await unchanged(coach, async () => {
      const late = await putStep(stack, coach, 1, coachSteps[1]);
      expect(late.statusCode, late.body).toBe(409);
      expect(late.json()).toMatchObject({ error: 'onboarding_closed' });
      const again = await putStep(stack, coach, 3, coachSteps[3]);
      expect(again.statusCode).toBe(409);
      const other = await signUp(stack);
      const foreign = await stack.app.inject({
        method: 'PUT',
        url: `/v1/coaches/${coach.coachId}/onboarding/steps/1`,
        headers: bearer(other.coachToken),
        payload: coachSteps[1],
      });
      expect(foreign.statusCode).toBe(403);
      // The quiz passed but the check still pending: no school yet.
    });
  });

  it('a fourth quiz attempt within 24 hours is refused with the time the next one is allowed', async () => {
    const coach = await signUp(stack);
    await throughBackgroundCheckRequest(stack, coach, 'Rivera-Held');
    const started: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await startAttempt(stack, coach);
      expect(res.statusCode, res.body).toBe(201);
      started.push(res.json().startedAt);
      await stepOk(stack, coach, 4, answers(res.json(), 5));
    }
    const next = new Date(Date.parse(started[0]!) + 86_400_000).toISOString();
    await unchanged(coach, async () => {
      const fourth = await startAttempt(stack, coach);
      expect(fourth.statusCode, fourth.body).toBe(429);
      expect(fourth.json()).toEqual({
        error: 'quiz_attempt_limit',
        message: `at most 3 quiz attempts in 24 hours; the next one is allowed at ${next}`,
        nextAttemptAt: next,
      });
      const retryAfter = Number(fourth.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(86_400 - 600);
      expect(retryAfter).toBeLessThanOrEqual(86_400);
      // In Spanish, the same time.
      const spanish = await stack.app.inject({
        method: 'POST',
        url: `/v1/coaches/${coach.coachId}/onboarding/quiz/attempts`,
        headers: { ...bearer(coach.coachToken), 'accept-language': 'es' },
      });
      expect(spanish.statusCode, spanish.body).toBe(429);
      expect(spanish.json()).toEqual({
        error: 'quiz_attempt_limit',
        message: `como máximo 3 intentos del cuestionario en 24 horas; el siguiente se permite desde ${next}`,
        nextAttemptAt: next,
      });
    });
    const progress = await waitForCoach(stack, coach, () => true);
    expect(progress.quiz).toEqual({ attempts: 3, passed: false, bestScore: 50, nextAttemptAt: next });
    expect(
      await stack.db.selectFrom('quiz_attempts').select('id').where('coach_id', '=', coach.coachId).execute(),
    ).toHaveLength(3);
  });

  it('invitations by a coach still onboarding, or for another coach’s school, are refused with the reason', async () => {
    const onboarding = await signUp(stack);
    const refused = await stack.app.inject({
      method: 'POST',
      url: '/v1/invitations',
      headers: bearer(onboarding.coachToken),
      payload: { parentEmail: 'parent@example.com' },
    });
    expect(refused.statusCode, refused.body).toBe(403);
    expect(refused.json().message).toContain('coach onboarding is in_progress');

    const coach = await onboardedCoach(stack);
    const foreign = await stack.app.inject({
      method: 'POST',
      url: '/v1/invitations',
      headers: bearer(coach.coachToken),
      payload: { parentEmail: 'parent@example.com', schoolId: 1 },
    });
    expect(foreign.statusCode, foreign.body).toBe(403);
    expect(foreign.json().message).toBe('school 1 is not one of your schools');
    const count = await stack.db
      .selectFrom('invitations')
      .select('invitation_id')
      .where('coach_id', 'in', [onboarding.coachId, coach.coachId])
      .execute();
    expect(count).toHaveLength(0);
    const progress = await waitForCoach(stack, coach, (p) => p.status === 'completed');
    await stack.client.workflow.getHandle(`timeline:${progress.timelineId}`).terminate('not registered on this branch');
  });
});

describe('many coaches at once', () => {
  it('five onboardings at once keep distinct school ids', async () => {
    const coaches = await Promise.all(Array.from({ length: 5 }, () => onboardedCoach(stack)));
    const progress = await Promise.all(coaches.map((c) => waitForCoach(stack, c, (p) => p.status === 'completed')));
    const schoolIds = progress.map((p) => p.schoolId);
    expect(new Set(schoolIds).size).toBe(5);
    const rows = await stack.db
      .selectFrom('schools')
      .select('school_id')
      .where(
        'org_sourced_id',
        'in',
        coaches.map((c) => `org-${c.coachId}`),
      )
      .execute();
    expect(rows.map((r) => r.school_id).sort()).toEqual([...schoolIds].sort());
    await Promise.all(
      progress.map((p) => stack.client.workflow.getHandle(`timeline:${p.timelineId}`).terminate('not registered here')),
    );
  });
});
