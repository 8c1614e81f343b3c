/**
 * `npm run timelines:rebuild [-- --timeline ID]`: rebuilds `timelines` and `timeline_steps` from
 * `timeline_change_events` alone, by the same fold the workflow runs (all timelines unless one is named).
 */
import type { Kysely } from 'kysely';
import { parseArgs } from 'node:util';
import { createDb } from '../db';
import { listTimelineIds, readEvents, replaceProjection } from '../db/repositories/timelines';
import type { Database } from '../db/schema';
import { foldEvents } from '../domain/timeline';
import { loadConfig } from '../runtime/config';

/** Folds one timeline's events and replaces its projection, in one transaction; false when it has no events. */
export async function rebuildTimeline(db: Kysely<Database>, timelineId: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const state = foldEvents(await readEvents(trx, timelineId));
    if (!state) return false;
    await replaceProjection(trx, state);
    return true;
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { timeline: { type: 'string' } } });
  const url = loadConfig().database.url;
  if (!url) throw new Error('DATABASE_URL is required');
  const db = createDb(url, { max: 2 });
  try {
    const ids = values.timeline ? [values.timeline] : await listTimelineIds(db);
    for (const id of ids) {
      const rebuilt = await rebuildTimeline(db, id);
      console.log(rebuilt ? `rebuilt ${id}` : `no events for ${id}`);
      if (!rebuilt && values.timeline) process.exitCode = 1;
    }
  } finally {
    await db.destroy();
  }
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
