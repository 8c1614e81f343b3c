import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onboardedCoach, type Coach } from '../helpers/coaches';
import { bearer, createInvitation, redeem, token, waitForValue, type Enrollment } from '../helpers/enrollment';
import { createTestStack, type TestStack } from '../helpers/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await createTestStack({ backgroundChecks: {} });
});
afterAll(async () => stack?.close());

/** A parent redeems an invitation the coach made: the enrollment is the coach's. */
async function enrollmentOf(coach: Coach): Promise<Enrollment> {
  const { invitationToken } = await createInvitation(stack, {}, coach.coachToken);
  const res = await redeem(stack, invitationToken);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

const list = (coachId: string, as: string, query = '') =>
  stack.app.inject({ method: 'GET', url: `/v1/coaches/${coachId}/enrollments${query}`, headers: bearer(as) });

describe("GET /v1/coaches/:id/enrollments, the coach's own enrollments", () => {
  let coach: Coach;
  let other: Coach;
  let mine: Enrollment[];

  beforeAll(async () => {
    [coach, other] = await Promise.all([onboardedCoach(stack), onboardedCoach(stack)]);
    mine = [];
    for (let i = 0; i < 3; i++) mine.push(await enrollmentOf(coach));
    await enrollmentOf(other);
    // Each workflow writes its row once it starts: paging is checked on rows that no longer move.
    await waitForValue(
      () =>
        stack.db.selectFrom('enrollments').select('projection_version').where('coach_id', '=', coach.coachId).execute(),
      (rows) => rows.length === 3 && rows.every((r) => Number(r.projection_version) > 0),
      "the coach's enrollments projected",
    );
  }, 120_000);

  it('lists the enrollments of its invitations, each with its step and status, and no one else’s', async () => {
    const res = await list(coach.coachId, coach.coachToken);
    expect(res.statusCode, res.body).toBe(200);
    const { items, nextCursor } = res.json();
    expect(nextCursor).toBeUndefined();
    expect(items.map((i: { enrollmentId: string }) => i.enrollmentId).sort()).toEqual(
      mine.map((e) => e.enrollmentId).sort(),
    );
    expect(items[0]).toMatchObject({
      status: 'in_progress',
      currentStep: 1,
      coachId: coach.coachId,
      studentRecords: { status: 'not_started', error: null },
    });
    // Ops and auditors read any coach's list.
    for (const role of ['ops', 'auditor'] as const) {
      const staff = await list(coach.coachId, token(stack, { role }));
      expect(staff.statusCode, staff.body).toBe(200);
      expect(staff.json().items).toHaveLength(3);
    }
  });

  it("refuses another coach's list with 403, and answers 404 for a coach that never signed up", async () => {
    const res = await list(coach.coachId, other.coachToken);
    expect(res.statusCode, res.body).toBe(403);
    expect(res.json()).toMatchObject({ error: 'forbidden' });
    const unknown = await list('TSA-COACH-20260101-ZZZZZZ', token(stack, { role: 'ops' }));
    expect(unknown.statusCode).toBe(404);
  });

  it('pages with the cursor: every enrollment once, newest change first', async () => {
    const first = await list(coach.coachId, coach.coachToken, '?limit=2');
    expect(first.statusCode, first.body).toBe(200);
    const page1 = first.json();
    expect(page1.items).toHaveLength(2);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const second = await list(coach.coachId, coach.coachToken, `?limit=2&cursor=${page1.nextCursor}`);
    const page2 = second.json();
    expect(page2.items).toHaveLength(1);
    expect(page2.nextCursor).toBeUndefined();
    const all = [...page1.items, ...page2.items];
    expect(all.map((i: { enrollmentId: string }) => i.enrollmentId).sort()).toEqual(
      mine.map((e) => e.enrollmentId).sort(),
    );
    const times = all.map((i: { updatedAt: string }) => i.updatedAt);
    expect([...times].sort().reverse()).toEqual(times);
    const bad = await list(coach.coachId, coach.coachToken, '?cursor=not-a-cursor');
    expect(bad.statusCode).toBe(400);
  });
});
