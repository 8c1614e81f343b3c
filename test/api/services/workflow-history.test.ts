import { loadDataConverter } from '@temporalio/common/lib/internal-non-workflow';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeChain, personalDataMasker, type AuditEvent } from '../../../api/services/workflow-history';
import { createDataConverter } from '../../../runtime/codec';
import { TEST_SECRETS } from '../../helpers/stack';

/** A recorded enrollment whose record set was refused (birth date after entry date), then corrected by ops. */
async function recordedFailedThenRetried(): Promise<AuditEvent[]> {
  const file = path.join(__dirname, '../../fixtures/audit/enrollment-failed-then-retried.pre-1.0.json');
  const history = historyFromJSON(JSON.parse(readFileSync(file, 'utf8')));
  return describeChain(
    [{ run: { runId: 'run-1', startedBy: 'start', status: 'completed' }, events: history.events ?? [] }],
    loadDataConverter(createDataConverter(TEST_SECRETS.payloadKeys)),
  );
}

describe('history summaries', () => {
  it('reads a recorded failure and its retry the way an auditor would tell it', async () => {
    const events = await recordedFailedThenRetried();
    const summaries = events.map((e) => e.summary);
    expect(summaries[0]).toBe('workflow started');
    expect(summaries).toContain('patch projection-as-local-activity recorded');
    expect(summaries).toContain('local activity projectEnrollment completed');
    expect(summaries).toContain('timer started (3 days)');
    expect(summaries.filter((s) => s.startsWith('step 4 submitted by parent parent:TSA-ENROLL-'))).toHaveLength(1);
    expect(summaries).toContainEqual(
      expect.stringMatching(/^activity failed, attempt 1: student record set for TSA-ENROLL-\S+ rejected: birth date/),
    );
    expect(summaries).toContain('signal retryStudentRecords from ops ops-1');
    expect(summaries).toContainEqual(expect.stringMatching(/^student record set created: TSA-STU-\d{8}-[A-Z0-9]{6}$/));
    expect(summaries.at(-1)).toBe('workflow completed (enrolled)');
    const failed = events.find((e) => e.type === 'ActivityTaskFailed')!;
    expect(failed.payload).toMatchObject({
      activity: 'syncStudentRecordSet',
      attempt: 1,
      failure: { type: 'StudentRecordsInvalid', nonRetryable: true },
    });
  });

  it('masks personal values wherever they appear, free text included, the same on every page', async () => {
    const events = await recordedFailedThenRetried();
    const step4 = events.find((e) => e.summary.startsWith('step 4 submitted'))!.payload as {
      data: { firstName: string; lastName: string; birthDate: string };
    };
    const step1 = events.find((e) => e.summary.startsWith('step 1 submitted'))!.payload as {
      data: { guardian: { email: string; phone: string } };
    };
    const secrets = [step4.data.firstName, step4.data.lastName, step4.data.birthDate, step1.data.guardian.email];
    const failure = events.find((e) => e.type === 'ActivityTaskFailed')!;
    expect(failure.summary).toContain(step4.data.birthDate);

    const mask = personalDataMasker(events);
    const masked = events.map(mask);
    const text = JSON.stringify(masked);
    for (const value of secrets) expect(text).not.toContain(value);
    expect(mask(failure).summary).toMatch(/rejected: birth date \*\*\* is after the entry date/);
    // A page on its own is masked with what the whole history revealed.
    expect(mask(failure)).toEqual(masked[events.indexOf(failure)]);
  });
});
