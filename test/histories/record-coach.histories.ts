/**
 * `npm run histories:record` also runs this (vitest with vitest.histories.config.mts, not part of `npm test`): real
 * coach onboardings against the run's Temporal dev server, PostgreSQL and the background-check simulator, saved here as
 * `coach-onboarding-*.json`. The suite replays them against the current workflow code (test/workflows/coach-histories.test.ts).
 */
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import { coachOnboardingWorkflowId } from '../../workflows/coach-onboarding/messages';
import { bearer, token } from '../helpers/enrollment';
import {
  candidateOf,
  coachSteps,
  passQuiz,
  signUp,
  stepOk,
  throughBackgroundCheckRequest,
  waitForCoach,
  type Coach,
} from '../helpers/coaches';
import { createTestStack, type TestStack } from '../helpers/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await createTestStack({
    backgroundChecks: { retryDelayMs: 100, maxDeliveryAttempts: 3 },
    coachOnboardingTimings: { backgroundCheckExpiresAfterMs: 4_000 },
  });
});
afterAll(async () => stack?.close());

const VERSION = 'v1';

async function save(name: string, coach: Coach): Promise<void> {
  const handle = stack.client.workflow.getHandle(coachOnboardingWorkflowId(coach.coachId));
  const history = await handle.fetchHistory();
  fs.writeFileSync(
    path.join(__dirname, `coach-onboarding-${name}.${VERSION}.json`),
    JSON.stringify(JSON.parse(historyToJSON(history)), null, 2),
  );
}

const ops = (path: string, payload: Record<string, unknown>) =>
  stack.app.inject({ method: 'POST', url: path, headers: bearer(token(stack, { role: 'ops' })), payload });

async function finish(coach: Coach): Promise<void> {
  await passQuiz(stack, coach);
  await waitForCoach(stack, coach, (p) => p.backgroundCheck.status === 'passed');
  const done = await stepOk(stack, coach, 5, coachSteps[5]);
  await stack.client.workflow.getHandle(coachOnboardingWorkflowId(coach.coachId)).result();
  await stack.client.workflow.getHandle(`timeline:${done.timelineId}`).terminate('recorded without the timeline');
}

it('records coach onboarding histories', { timeout: 120_000 }, async () => {
  const complete = await signUp(stack);
  await throughBackgroundCheckRequest(stack, complete);
  await finish(complete);
  await save('complete', complete);

  const reviewed = await signUp(stack);
  await throughBackgroundCheckRequest(stack, reviewed, 'Rivera-Consider');
  await waitForCoach(stack, reviewed, (p) => p.backgroundCheck.status === 'needs_review');
  await ops(`/v1/coaches/${reviewed.coachId}/background-check/review`, { decision: 'passed', reason: 'dismissed' });
  await finish(reviewed);
  await save('consider-then-reviewed', reviewed);

  const canceled = await signUp(stack);
  await throughBackgroundCheckRequest(stack, canceled, 'Rivera-Canceled');
  await stack.client.workflow.getHandle(coachOnboardingWorkflowId(canceled.coachId)).result();
  await save('check-canceled', canceled);

  const expired = await signUp(stack);
  await throughBackgroundCheckRequest(stack, expired, 'Rivera-Silent');
  await waitForCoach(stack, expired, (p) => p.backgroundCheck.status === 'expired', 30_000);
  await ops(`/v1/coaches/${expired.coachId}/background-check/rerequest`, { reason: 'coach asked' });
  await candidateOf(stack, expired, 2);
  await save('check-expired-then-rerequested', expired);
  await stack.client.workflow.getHandle(coachOnboardingWorkflowId(expired.coachId)).terminate('recorded');

  const duplicated = await signUp(stack);
  await throughBackgroundCheckRequest(stack, duplicated, 'Rivera-Duplicate');
  await finish(duplicated);
  await save('duplicate-deliveries', duplicated);

  const shuffled = await signUp(stack);
  await throughBackgroundCheckRequest(stack, shuffled, 'Rivera-Disputed');
  await finish(shuffled);
  await save('disputed-then-redelivered', shuffled);
});
