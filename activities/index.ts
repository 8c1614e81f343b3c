import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { BackgroundCheckProviderConfig } from './background-check-provider';
import { createCoachOnboardingActivities } from './coach-onboarding';
import { createEnrollmentActivities } from './enrollments';
import { createTimelineActivities } from './timeline';

export interface ActivityDeps {
  db: Kysely<Database>;
  /** Where coach background checks are ordered (the local simulator in development and tests). */
  backgroundCheck?: BackgroundCheckProviderConfig;
}

/** Every activity the workers run, built from their dependencies so tests can pass real or fake ones. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createEnrollmentActivities(deps),
    ...createTimelineActivities(deps),
    ...createCoachOnboardingActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
