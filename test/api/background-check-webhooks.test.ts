import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coachOnboardingWorkflowId } from '../../workflows/coach-onboarding/messages';
import { bearer, token, waitForValue } from '../helpers/enrollment';
import {
  candidateOf,
  coachProgress,
  passQuiz,
  signUp,
  throughBackgroundCheckRequest,
  waitForCoach,
  type Coach,
} from '../helpers/coaches';
import { createTestStack, TEST_SECRETS, type TestStack } from '../helpers/stack';

const CHECK_EXPIRES_AFTER_MS = 5_000;

let stack: TestStack;
beforeAll(async () => {
  stack = await createTestStack({
    backgroundChecks: { retryDelayMs: 100, maxDeliveryAttempts: 3 },
    coachOnboardingTimings: { backgroundCheckExpiresAfterMs: CHECK_EXPIRES_AFTER_MS },
  });
});
afterAll(async () => stack?.close());

function deliveriesOf(candidateId: string) {
  return stack.simulator!.deliveries().filter((d) => d.candidateId === candidateId);
}

/** Waits until the simulator has finished `count` delivery attempts for the candidate. */
function delivered(candidateId: string, count: number) {
  return waitForValue(
    async () => deliveriesOf(candidateId),
    (d) => d.length >= count,
    `${count} deliveries to ${candidateId}`,
  );
}

const eventRows = (candidateId: string) =>
  stack.db.selectFrom('background_check_events').selectAll().where('candidate_id', '=', candidateId).execute();

async function signalsReceived(coach: Coach): Promise<number> {
  const history = await stack.client.workflow.getHandle(coachOnboardingWorkflowId(coach.coachId)).fetchHistory();
  return history.events!.filter(
    (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'backgroundCheckCompleted',
  ).length;
}

async function checkRows(coach: Coach) {
  return stack.db
    .selectFrom('background_checks')
    .selectAll()
    .where('coach_id', '=', coach.coachId)
    .orderBy('request_key')
    .execute();
}

/** The rows once the projection (written after the workflow answers) shows the first request's status. */
function checkRowsOnce(coach: Coach, status: string) {
  return waitForValue(
    () => checkRows(coach),
    (rows) => rows[0]?.status === status,
    `background check ${status}`,
  );
}

function post(path: string, payload: Record<string, unknown>, auth = token(stack, { role: 'ops' })) {
  return stack.app.inject({ method: 'POST', url: path, headers: bearer(auth), payload });
}

/** An event as the provider sends it, signed with the key (or not). */
function sendEvent(event: Record<string, unknown>, secret = TEST_SECRETS.backgroundCheckWebhookSecret) {
  const raw = JSON.stringify(event);
  return stack.app.inject({
    method: 'POST',
    url: '/v1/webhooks/background-checks',
    headers: {
      'content-type': 'application/json',
      'x-checkr-signature': createHmac('sha256', secret).update(raw).digest('hex'),
    },
    payload: raw,
  });
}

const completedEvent = (candidateId: string, result: 'clear' | 'consider') => ({
  id: `evt_${randomUUID()}`,
  object: 'event',
  type: 'report.completed',
  created_at: new Date().toISOString(),
  data: {
    object: {
      id: `rpt_${randomUUID()}`,
      object: 'report',
      status: 'complete',
      result,
      adjudication: null,
      candidate_id: candidateId,
    },
  },
});

describe("the provider's outcomes", () => {
  it('consider waits for ops: passed lets the coach go on, failed ends onboarding with the reason', async () => {
    const passed = await signUp(stack);
    const failed = await signUp(stack);
    await throughBackgroundCheckRequest(stack, passed, 'Rivera-Consider');
    await throughBackgroundCheckRequest(stack, failed, 'Rivera-Consider');
    for (const coach of [passed, failed]) {
      const p = await waitForCoach(stack, coach, (x) => x.backgroundCheck.status === 'needs_review');
      expect(p.backgroundCheck).toMatchObject({ result: 'consider' });
    }
    // Only ops decide, and only a check that needs review.
    const asCoach = await post(
      `/v1/coaches/${passed.coachId}/background-check/review`,
      { decision: 'passed', reason: 'x' },
      passed.coachToken,
    );
    expect(asCoach.statusCode).toBe(403);
    const approve = await post(`/v1/coaches/${passed.coachId}/background-check/review`, {
      decision: 'passed',
      reason: 'the record is a dismissed traffic charge',
    });
    expect(approve.statusCode, approve.body).toBe(202);
    await waitForCoach(stack, passed, (x) => x.backgroundCheck.status === 'passed');
    const twice = await post(`/v1/coaches/${passed.coachId}/background-check/review`, {
      decision: 'failed',
      reason: 'no',
    });
    expect(twice.statusCode).toBe(409);
    await passQuiz(stack, passed);
    expect((await coachProgress(stack, passed)).currentStep).toBe(5);

    const reject = await post(`/v1/coaches/${failed.coachId}/background-check/review`, {
      decision: 'failed',
      reason: 'disqualifying record',
    });
    expect(reject.statusCode, reject.body).toBe(202);
    const result = await stack.client.workflow.getHandle(coachOnboardingWorkflowId(failed.coachId)).result();
    expect(result).toMatchObject({
      status: 'failed',
      backgroundCheck: { status: 'failed', reason: 'disqualifying record' },
      failureReason: 'background check failed: disqualifying record',
    });
    const profile = await stack.db
      .selectFrom('coach_profiles')
      .selectAll()
      .where('coach_id', '=', failed.coachId)
      .executeTakeFirstOrThrow();
    expect(profile).toMatchObject({ onboarding_status: 'failed', background_check_status: 'failed' });
    expect(await checkRows(failed)).toMatchObject([{ status: 'failed', report_result: 'consider' }]);
  });

  it('suspended waits on the coach (with a reminder), then completes clear', async () => {
    const coach = await signUp(stack);
    await throughBackgroundCheckRequest(stack, coach, 'Rivera-Suspended');
    await waitForCoach(stack, coach, (p) => p.backgroundCheck.status === 'passed');
    const reminder = await waitForValue(
      () => stack.db.selectFrom('notifications').selectAll().where('recipient', '=', coach.email).execute(),
      (rows) => rows.length > 0,
      'suspension reminder',
    );
    expect(reminder).toMatchObject([{ kind: 'background_check_suspended' }]);
    expect(deliveriesOf(await candidateOf(stack, coach)).map((d) => d.type)).toContain('report.suspended');
  });

  it('canceled fails the check and ends onboarding', async () => {
    const coach = await signUp(stack);
    await throughBackgroundCheckRequest(stack, coach, 'Rivera-Canceled');
    const result = await stack.client.workflow.getHandle(coachOnboardingWorkflowId(coach.coachId)).result();
    expect(result).toMatchObject({ status: 'failed', backgroundCheck: { status: 'failed' } });
    expect(result.failureReason).toContain('canceled by the provider');
    expect(await checkRows(coach)).toMatchObject([{ status: 'failed', report_status: 'canceled' }]);
  });

  it('no final report within the limit: expired, then re-requested by ops and completed', async () => {
    const coach = await signUp(stack);
    await throughBackgroundCheckRequest(stack, coach, 'Rivera-Silent');
    const candidate = await candidateOf(stack, coach);
    const expired = await waitForCoach(stack, coach, (p) => p.backgroundCheck.status === 'expired', 30_000);
    expect(expired.backgroundCheck.reason).toContain('operations can request it again');
    expect(await checkRowsOnce(coach, 'expired')).toMatchObject([{ status: 'expired' }]);

    const again = await post(`/v1/coaches/${coach.coachId}/background-check/rerequest`, { reason: 'coach asked' });
    expect(again.statusCode, again.body).toBe(202);
    await candidateOf(stack, coach, 2);
    const rows = await checkRows(coach);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({ status: 'pending', candidate_id: candidate });
    expect(rows[1]!.invitation_id).not.toBe(rows[0]!.invitation_id);
    // The provider's report for the new invitation.
    const res = await sendEvent(completedEvent(candidate, 'clear'));
    expect(res.statusCode, res.body).toBe(202);
    await waitForCoach(stack, coach, (p) => p.backgroundCheck.status === 'passed');
  });
});

describe('deliveries: at least once, unordered', () => {
  it('every event delivered twice counts once', async () => {
    const coach = await signUp(stack);
    await throughBackgroundCheckRequest(stack, coach, 'Rivera-Duplicate');
    const candidate = await candidateOf(stack, coach);
    const deliveries = await delivered(candidate, 6);
    expect(deliveries.every((d) => d.status === 202)).toBe(true);
    expect(new Set(deliveries.map((d) => d.eventId)).size).toBe(3);
    await waitForCoach(stack, coach, (p) => p.backgroundCheck.status === 'passed');
    expect(await eventRows(candidate)).toHaveLength(3);
    expect(await signalsReceived(coach)).toBe(3);
  });

  it('events delivered newest first: the completion stands, the older events change nothing', async () => {
    const coach = await signUp(stack);
    await throughBackgroundCheckRequest(stack, coach, 'Rivera-Shuffled');
    const candidate = await candidateOf(stack, coach);
    const deliveries = await delivered(candidate, 3);
    expect(deliveries.map((d) => d.type)).toEqual(['report.completed', 'report.created', 'invitation.completed']);
    const p = await waitForCoach(stack, coach, (x) => x.backgroundCheck.status === 'passed');
    expect(p.steps[2]).toMatchObject({ status: 'completed' });
    expect(await checkRowsOnce(coach, 'passed')).toMatchObject([{ status: 'passed', report_status: 'complete' }]);
  });

  it('a completion redelivered after a dispute has one effect', async () => {
    const coach = await signUp(stack);
    await throughBackgroundCheckRequest(stack, coach, 'Rivera-Disputed');
    const candidate = await candidateOf(stack, coach);
    await delivered(candidate, 5);
    const p = await waitForCoach(stack, coach, (x) => x.backgroundCheck.status === 'passed');
    await waitForValue(
      () => signalsReceived(coach),
      (n) => n === 5,
      'five signals',
    );
    // The check passed once: its completion time is the first completion's.
    const after = await coachProgress(stack, coach);
    expect(after.steps[2]).toEqual(p.steps[2]);
    expect(after.backgroundCheck).toEqual({ status: 'passed', result: 'clear' });
    expect(await checkRows(coach)).toHaveLength(1);
  });

  it('a bad signature is 401 and changes nothing', async () => {
    const coach = await signUp(stack);
    await throughBackgroundCheckRequest(stack, coach, 'Rivera-BadSignature');
    const candidate = await candidateOf(stack, coach);
    const deliveries = await delivered(candidate, 3);
    expect(deliveries.map((d) => d.status)).toEqual([401, 401, 401]);
    const forged = await sendEvent(completedEvent(candidate, 'clear'), 'not-the-key');
    expect(forged.statusCode).toBe(401);
    expect(forged.json()).toMatchObject({ error: 'bad_signature' });
    expect(await eventRows(candidate)).toHaveLength(0);
    expect(await signalsReceived(coach)).toBe(0);
    expect((await coachProgress(stack, coach)).backgroundCheck.status).toBe('pending');
  });
});
