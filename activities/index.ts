import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { createEnrollmentActivities } from './enrollments';
import { createTimelineActivities } from './timeline';

export interface ActivityDeps {
  db: Kysely<Database>;
}

/** Every activity the workers run, built from their dependencies so tests can pass real or fake ones. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createEnrollmentActivities(deps),
    ...createTimelineActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
