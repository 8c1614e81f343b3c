/// <reference lib="dom" />
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_DIST } from '../../scripts/web-build';
import { checkPage, launchBrowser, type Browser } from '../helpers/browser';
import { waitForValue } from '../helpers/enrollment';
import { freePort } from '../helpers/ports';
import { createTestStack, type TestStack } from '../helpers/stack';
import { auditorToken, createTimeline, type TimelineClient } from '../helpers/timeline';

/** Where the web app keeps the coach's session and a staff token (`coachSession`, `staffToken` in web/src/api/client.ts). */
const COACH_SESSION_KEY = 'tsa.coach.session';
const STAFF_TOKEN_KEY = 'tsa.staff.token';
/** Many page states, each waiting on the stack and checked by axe-core: minutes on a loaded machine. */
const JOURNEY_TIMEOUT_MS = 300_000;

/**
 * The coach's timeline board in Chromium against the real stack (the API serving the built app on its own port, a
 * worker, Temporal, PostgreSQL): a step dragged with the mouse, the move undone, a status changed, a cycle refused,
 * a stale board reloaded. Each checks the page and the database.
 */
describe("the coach's timeline board", { timeout: JOURNEY_TIMEOUT_MS }, () => {
  let stack: TestStack;
  let browser: Browser;
  let base: string;
  let timeline: TimelineClient & { coachId: string; token: string };
  let page: Page;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    stack = await createTestStack({ services: { webRoot: WEB_DIST } });
    await stack.app.listen({ host: '127.0.0.1', port });
    browser = await launchBrowser();
    timeline = await createTimeline(stack.app);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const boardUrl = (locale = 'en') => `${base}/${locale}/coach/timelines/${timeline.timelineId}`;
  const card = (name: string): Locator =>
    page.locator('ol.board-steps > li', {
      has: page.getByRole('heading', { level: 3, name: new RegExp(`\\d+\\. ${name}$`) }),
    });
  /** The step names in the order the board lists them. */
  const shownOrder = () =>
    page
      .locator('ol.board-steps > li h3')
      .allTextContents()
      .then((names) => names.map((n) => n.replace(/^\d+\.\s*/, '')));
  const storedOrder = () =>
    stack.db
      .selectFrom('timeline_steps')
      .select('name')
      .where('timeline_id', '=', timeline.timelineId)
      .orderBy('order_index')
      .execute()
      .then((rows) => rows.map((r) => r.name));
  const events = () =>
    stack.db
      .selectFrom('timeline_change_events')
      .select(['sequence', 'change_type', 'step_id', 'origin', 'reverts_sequence'])
      .where('timeline_id', '=', timeline.timelineId)
      .orderBy('sequence')
      .execute();
  const status = () => page.locator('main p[role="status"].status-line');
  /** The accessible name of the element that has the keyboard focus (its label, else its text). */
  const focused = () =>
    page.evaluate(() => {
      const el = document.activeElement;
      return !el || el === document.body ? 'the page body' : (el.getAttribute('aria-label') ?? el.textContent);
    });

  it('asks for a sign-in without a session, then shows the timeline in order with its analytics', async () => {
    page = await browser.context.newPage();
    await page.goto(boardUrl());
    await page.getByText('Please sign in to see this timeline.').waitFor();
    expect(await page.getByRole('link', { name: 'Coach sign-in' }).count()).toBe(1);

    await page.evaluate(
      ([key, value]) => localStorage.setItem(key!, value!),
      [COACH_SESSION_KEY, JSON.stringify({ coachId: timeline.coachId, token: timeline.token })],
    );
    await page.goto(boardUrl());
    await page.getByRole('heading', { level: 1, name: 'Riverside Soccer Academy' }).waitFor();
    await page.getByText(/^0 % complete \(0 of 13 steps/).waitFor();
    expect(await shownOrder()).toEqual(await storedOrder());
    expect((await shownOrder()).slice(0, 4)).toEqual([
      'Form the legal entity',
      'Obtain an EIN and open a bank account',
      'Secure insurance',
      'Find a facility',
    ]);
    // The projected launch against the target, in words; the critical path as text on the cards, not colour alone.
    expect(await page.locator('.board-outlook').textContent()).toMatch(
      /^Projected launch .+: (\d+ working days (ahead of|behind) the target \(Aug 16, 2027\)|on the target date)\.$/,
    );
    const analytics = (await timeline.get('/analytics')).body;
    for (const stepId of analytics.criticalPath as string[]) {
      await expect.poll(() => page.locator(`#step-${stepId} .badge-critical`).textContent()).toBe('Critical path');
    }
    const legal = card('Form the legal entity');
    expect(await legal.locator('.slack').textContent()).toMatch(/working days|none \(on the critical path\)/);
    await checkPage(page, 'coach-timeline-board');

    // Nothing of this coach's to undo yet: the API's refusal, at the button.
    const undo = page.getByRole('button', { name: 'Undo' });
    await undo.click();
    const refusal = page.locator('#revert-error');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/^Nothing to undo: /);
    expect(await undo.getAttribute('aria-describedby')).toBe('revert-error');
  });

  it('reorders a step dragged with the mouse, and undoes the move as a new event', async () => {
    const before = await storedOrder();
    const eventsBefore = await events();
    await page.setViewportSize({ width: 1280, height: 1600 });
    const insurance = card('Secure insurance');
    const facility = card('Find a facility');
    await insurance.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    const handle = (await facility.getByRole('button', { name: 'Drag to reorder: Find a facility' }).boundingBox())!;
    const from = (await facility.boundingBox())!;
    const to = (await insurance.boundingBox())!;
    // A real drag: press on the handle, move past the activation distance, then up until the card covers the one above.
    await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
    await page.mouse.down();
    await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2 - 10, { steps: 5 });
    await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2 - (from.y - to.y), { steps: 20 });
    await page.mouse.up();

    await status().getByText('Find a facility moved to place 3 of 13.').waitFor();
    const moved = [...before];
    moved.splice(3, 1);
    moved.splice(2, 0, 'Find a facility');
    expect(await shownOrder()).toEqual(moved);
    expect(await storedOrder()).toEqual(moved);
    const afterMove = await events();
    expect(afterMove.slice(0, eventsBefore.length)).toEqual(eventsBefore);
    expect(afterMove.slice(eventsBefore.length)).toEqual([
      {
        sequence: eventsBefore.length + 1,
        change_type: 'move',
        step_id: 'facility_search',
        origin: 'change',
        reverts_sequence: null,
      },
    ]);
    await page.setViewportSize({ width: 375, height: 800 });
    await checkPage(page, 'coach-timeline-moved');

    await page.getByRole('button', { name: 'Undo' }).click();
    await status().getByText('Undone: the move of Find a facility.').waitFor();
    expect(await shownOrder()).toEqual(before);
    expect(await storedOrder()).toEqual(before);
    const afterUndo = await events();
    // Nothing is deleted: the undo is one more event, the move's inverse.
    expect(afterUndo.slice(0, afterMove.length)).toEqual(afterMove);
    expect(afterUndo.slice(afterMove.length)).toEqual([
      {
        sequence: afterMove.length + 1,
        change_type: 'move',
        step_id: 'facility_search',
        origin: 'undo',
        reverts_sequence: afterMove.length,
      },
    ]);
  });

  it('moves steps with the keyboard alone (buttons or the drag handle), keeping the focus, and redoes an undone move', async () => {
    const before = await storedOrder();
    const moveUp = card('Secure insurance').getByRole('button', { name: 'Move up: Secure insurance' });
    await moveUp.focus();
    await page.keyboard.press('Enter');
    await status().getByText('Secure insurance moved to place 2 of 13.').waitFor();
    const moved = [before[0], before[2], before[1], ...before.slice(3)];
    expect(await shownOrder()).toEqual(moved);
    expect(await storedOrder()).toEqual(moved);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('move-up-insurance');
    await page.getByRole('button', { name: 'Undo' }).click();
    await status().getByText('Undone: the move of Secure insurance.').waitFor();
    expect(await storedOrder()).toEqual(before);

    // The drag handle with the keyboard (dnd-kit's keyboard sensor): Space picks up, an arrow moves, Space drops.
    const handle = card('Find a facility').getByRole('button', { name: 'Drag to reorder: Find a facility' });
    await handle.focus();
    await page.keyboard.press('Space');
    await page.locator('#drag-facility_search[aria-pressed="true"]').waitFor();
    await page.keyboard.press('ArrowDown');
    await page.getByText('Find a facility is over place 5 of 13.').waitFor();
    await page.keyboard.press('Space');
    await status().getByText('Find a facility moved to place 5 of 13.').waitFor();
    const dropped = [...before.slice(0, 3), before[4], before[3], ...before.slice(5)];
    expect(await shownOrder()).toEqual(dropped);
    expect(await storedOrder()).toEqual(dropped);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('drag-facility_search');

    // Undone and redone: the move is back.
    await page.getByRole('button', { name: 'Undo' }).click();
    await status().getByText('Undone: the move of Find a facility.').waitFor();
    expect(await storedOrder()).toEqual(before);
    await page.getByRole('button', { name: 'Redo' }).click();
    await status().getByText('Redone: the move of Find a facility.').waitFor();
    expect(await shownOrder()).toEqual(dropped);
    expect(await storedOrder()).toEqual(dropped);
    expect((await events()).at(-1)).toMatchObject({ change_type: 'move', step_id: 'facility_search', origin: 'redo' });
  });

  it('changes a status and shows the analytics updated; refuses a cycle at the control that asked', async () => {
    const legal = card('Form the legal entity');
    await legal.getByLabel('Status').selectOption('completed');
    await legal.getByRole('button', { name: 'Save status' }).click();
    await status().getByText('Form the legal entity: Completed.').waitFor();
    await page.getByText(/^7\.7 % complete \(1 of 13 steps/).waitFor();
    const stored = await stack.db
      .selectFrom('timeline_steps')
      .select(['status', 'completed_at'])
      .where('timeline_id', '=', timeline.timelineId)
      .where('step_id', '=', 'legal_entity')
      .executeTakeFirstOrThrow();
    expect(stored.status).toBe('completed');
    expect(stored.completed_at).not.toBeNull();
    expect(await legal.locator('.badge.status-completed').textContent()).toBe('Completed');

    // The legal entity waiting for the EIN, which waits for the legal entity: a cycle, refused at "Depends on".
    const eventsBefore = await events();
    await legal.getByRole('button', { name: 'Add a dependency to Form the legal entity' }).click();
    const form = legal.getByRole('form', { name: 'Add a dependency to Form the legal entity' });
    await form.getByLabel('Depends on').selectOption({ label: 'Obtain an EIN and open a bank account' });
    await form.getByLabel('Kind').selectOption('hard');
    await form.getByRole('button', { name: 'Add a dependency' }).click();
    const dependsOn = form.getByLabel('Depends on');
    await form.locator('.field-error').waitFor();
    expect(await dependsOn.getAttribute('aria-invalid')).toBe('true');
    const message = await form.locator(`#${await dependsOn.getAttribute('aria-describedby')}`).textContent();
    expect(message).toMatch(/^That would make a cycle: legal_entity depending on ein_banking would make a cycle$/);
    await page.waitForFunction(() => document.activeElement?.id === 'dependency-legal_entity-dependsOn');
    expect(await events()).toEqual(eventsBefore);
    await checkPage(page, 'coach-timeline-cycle-refused');

    // Typed key by key into another field after the refusal, the whole text arrives there.
    const lag = form.getByLabel('Lag in working days (negative for a lead)');
    await lag.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('12');
    expect(await lag.inputValue()).toBe('12');
    expect(await dependsOn.inputValue()).toBe('ein_banking');
    // Cancelled, the form is gone and the focus is back on the button that opened it.
    await form.getByRole('button', { name: 'Cancel' }).click();
    expect(await form.count()).toBe(0);
    expect(await focused()).toBe('Add a dependency to Form the legal entity');
    expect(await events()).toEqual(eventsBefore);
  });

  it('reloads the board when someone else changed the timeline meanwhile', async () => {
    const insurance = card('Secure insurance');
    // Ops, as a mentor, start the insurance step from another browser: the board still shows the sequence before.
    const ops = stack.app.signToken({ role: 'ops', sub: 'mentor-web' });
    const elsewhere = await stack.app.inject({
      method: 'POST',
      url: `/v1/timelines/${timeline.timelineId}/changes`,
      headers: { authorization: `Bearer ${ops}` },
      payload: { change: { type: 'setStatus', stepId: 'insurance', status: 'in_progress' } },
    });
    expect(elsewhere.statusCode, elsewhere.body).toBe(200);
    const eventsBefore = await events();

    const ein = card('Obtain an EIN and open a bank account');
    await ein.getByLabel('Status').selectOption('in_progress');
    await ein.getByRole('button', { name: 'Save status' }).click();
    const error = ein.locator('.field-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/^Someone changed this timeline meanwhile/);
    expect(await ein.getByLabel('Status').getAttribute('aria-describedby')).toBe(await error.getAttribute('id'));
    // Reloaded: the mentor's change is on the board; the refused change recorded nothing.
    await waitForValue(
      () => insurance.locator('.badge[class*="status-"]').textContent(),
      (text) => text === 'In progress',
      'the reloaded insurance status',
    );
    expect(await events()).toEqual(eventsBefore);

    // Sent again on the reloaded board, it goes through.
    await ein.getByRole('button', { name: 'Save status' }).click();
    await status().getByText('Obtain an EIN and open a bank account: In progress.').waitFor();
    await waitForValue(
      () =>
        stack.db
          .selectFrom('timeline_steps')
          .select('status')
          .where('timeline_id', '=', timeline.timelineId)
          .where('step_id', '=', 'ein_banking')
          .executeTakeFirstOrThrow(),
      (row) => row.status === 'in_progress',
      'the EIN step in progress',
    );
  });

  it("edits a step, a refused date shown at its field, and shows a soft dependency's warning on the step", async () => {
    const marketing = card('Launch marketing');
    await marketing.getByRole('button', { name: 'Edit Launch marketing' }).click();
    const form = marketing.getByRole('form', { name: 'Edit Launch marketing' });
    const due = form.getByLabel('Due date');
    await form.getByLabel('Planned start').fill('2027-09-01');
    await due.fill('2027-08-02');
    await form.getByRole('button', { name: 'Save', exact: true }).click();
    await form.locator('.field-error').waitFor();
    expect(await due.getAttribute('aria-invalid')).toBe('true');
    expect(await form.locator(`#${await due.getAttribute('aria-describedby')}`).textContent()).toBe(
      'Not accepted: the due date 2027-08-02 is before the planned start 2027-09-01',
    );
    await page.waitForFunction(() => document.activeElement?.id === 'edit-marketing-dueDate');

    // Typed key by key into another field after the refusal, the whole name arrives there (the focus stays put).
    const assignee = form.getByLabel('Assignee');
    await assignee.click();
    await page.keyboard.type('Jordan Lee');
    expect(await assignee.inputValue()).toBe('Jordan Lee');
    expect(await due.inputValue()).toBe('2027-08-02');
    await form.getByLabel('Planned start').fill('2027-06-01');
    await form.getByRole('button', { name: 'Save', exact: true }).click();
    await status().getByText('Launch marketing saved.').waitFor();
    // Saved, the form is gone and the focus is back on the button that opened it, not lost on the page.
    expect(await form.count()).toBe(0);
    expect(await focused()).toBe('Edit Launch marketing');
    const stored = await stack.db
      .selectFrom('timeline_steps')
      .select(['planned_start', 'due_date', 'assignee'])
      .where('timeline_id', '=', timeline.timelineId)
      .where('step_id', '=', 'marketing')
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ planned_start: '2027-06-01', due_date: '2027-08-02', assignee: 'Jordan Lee' });
    expect(await marketing.locator('.facts').textContent()).toContain('Jun 1, 2027 to Aug 2, 2027');

    // Its prerequisites are soft: it may start, and the card says what is not met yet.
    await marketing.getByLabel('Status').selectOption('in_progress');
    await marketing.getByRole('button', { name: 'Save status' }).click();
    await status().getByText('Launch marketing: In progress.').waitFor();
    expect(await marketing.locator('.board-warnings').textContent()).toContain(
      'soft dependency: "Sign the facility lease" (facility_lease) is not complete',
    );
    await checkPage(page, 'coach-timeline-warnings');
  });

  it('reads in Spanish', async () => {
    await page.goto(boardUrl('es'));
    await page.getByRole('heading', { level: 2, name: 'Pasos' }).waitFor();
    expect(await page.getByRole('button', { name: 'Deshacer' }).count()).toBe(1);
    await checkPage(page, 'coach-timeline-board-es');
  });

  it('shows an auditor the board without a control to change it', async () => {
    await page.evaluate(
      ([coachKey, staffKey, token]) => {
        localStorage.removeItem(coachKey!);
        localStorage.setItem(staffKey!, token!);
      },
      [COACH_SESSION_KEY, STAFF_TOKEN_KEY, auditorToken(stack.app)],
    );
    await page.goto(boardUrl());
    await page.getByRole('heading', { level: 1, name: 'Riverside Soccer Academy' }).waitFor();
    await page.getByText('You can read this timeline; only its coach and ops staff change it.').waitFor();
    expect(await card('Form the legal entity').locator('.badge.status-completed').textContent()).toBe('Completed');
    // Nothing on the page offers a change the API would refuse (403): no edit, status, move, undo or drag.
    expect(await page.locator('main').getByRole('button').count()).toBe(0);
    expect(await page.locator('main select, main textarea, main input').count()).toBe(0);
    await checkPage(page, 'coach-timeline-auditor');
  });

  it("signs out from the coach's navigation: nothing of the app's stays in the browser, the header offers no staff page", async () => {
    await page.evaluate(
      ([key, value]) => localStorage.setItem(key!, value!),
      [COACH_SESSION_KEY, JSON.stringify({ coachId: timeline.coachId, token: timeline.token })],
    );
    await page.goto(boardUrl());
    await page.getByRole('button', { name: 'Undo' }).waitFor();
    const staffNav = page.getByRole('navigation', { name: 'Staff' });
    expect(await staffNav.getByRole('link').allTextContents()).toEqual(['Failed student records', 'Audit']);
    // One Sign out on the page: the coach's, which signs staff out as well.
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(1);

    await page.getByRole('navigation', { name: 'Coach' }).getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Coaches' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/en/coach');
    expect(await page.evaluate(() => ({ ...localStorage }))).toEqual({});
    expect(await staffNav.count()).toBe(0);
    await page.goto(boardUrl());
    await page.getByText('Please sign in to see this timeline.').waitFor();
    await page.close();
  });
});
