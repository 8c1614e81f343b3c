import { ApplicationFailure } from '@temporalio/activity';
import type { Kysely } from 'kysely';
import {
  activateCoach,
  createMicroschool,
  findBackgroundCheckRequest,
  insertBackgroundCheckRequest,
  insertQuizAttempt,
  upsertCoachProjection,
  type CoachProjection,
  type NewMicroschool,
  type QuizAttemptRow,
} from '../db/repositories/coaches';
import { queueOutboxMessage, type OutboxMessage } from '../db/repositories/notifications';
import type { Database } from '../db/schema';
import {
  createBackgroundCheckProvider,
  ProviderError,
  type BackgroundCheckProviderConfig,
} from './background-check-provider';

export const BACKGROUND_CHECK_REFUSED = 'BackgroundCheckRequestRefused';

export interface BackgroundCheckRequest {
  coachId: string;
  /** The coach's n-th request; `{coachId}:{n}` keys the row and the provider's idempotency. */
  requestNumber: number;
  /** A re-request orders a new invitation for the candidate the first one created. */
  candidateId?: string;
  email: string;
  phone: string;
  legalFirstName: string;
  legalLastName: string;
  birthDate: string;
  ssnLast4: string;
}

export function createCoachOnboardingActivities({
  db,
  backgroundCheck,
}: {
  db: Kysely<Database>;
  backgroundCheck?: BackgroundCheckProviderConfig;
}) {
  const provider = backgroundCheck ? createBackgroundCheckProvider(backgroundCheck) : undefined;
  return {
    /** Keeps `coach_profiles` (and the current `background_checks` row) in step with the workflow. */
    async projectCoach(projection: CoachProjection): Promise<void> {
      await upsertCoachProjection(db, projection);
    },
    async queueCoachNotification(message: OutboxMessage): Promise<void> {
      await queueOutboxMessage(db, message);
    },
    async recordQuizAttempt(row: QuizAttemptRow): Promise<void> {
      await insertQuizAttempt(db, row);
    },
    /**
     * Orders the check from the provider: candidate (first request only), then invitation, then the row that names
     * them. A retry after the row was written answers from it; before, the provider's idempotency keys answer the same
     * candidate and invitation.
     */
    async requestBackgroundCheck(r: BackgroundCheckRequest): Promise<{ candidateId: string; invitationId: string }> {
      const requestKey = `${r.coachId}:${r.requestNumber}`;
      const existing = await findBackgroundCheckRequest(db, requestKey);
      if (existing?.candidate_id && existing.invitation_id) {
        return { candidateId: existing.candidate_id, invitationId: existing.invitation_id };
      }
      if (!provider) throw new Error('no background-check provider configured (BACKGROUND_CHECK_API_URL)');
      try {
        const candidateId =
          r.candidateId ??
          (
            await provider.createCandidate(
              {
                firstName: r.legalFirstName,
                lastName: r.legalLastName,
                email: r.email,
                phone: r.phone,
                birthDate: r.birthDate,
                customId: r.coachId,
              },
              requestKey,
            )
          ).id;
        const invitation = await provider.createInvitation(candidateId, requestKey);
        await insertBackgroundCheckRequest(db, {
          requestKey,
          coachId: r.coachId,
          provider: provider.name,
          candidateId,
          invitationId: invitation.id,
          legalFirstName: r.legalFirstName,
          legalLastName: r.legalLastName,
          birthDate: r.birthDate,
          ssnLast4: r.ssnLast4,
        });
        return { candidateId, invitationId: invitation.id };
      } catch (err) {
        if (err instanceof ProviderError && err.permanent) {
          throw ApplicationFailure.nonRetryable(err.message, BACKGROUND_CHECK_REFUSED);
        }
        throw err;
      }
    },
    async createCoachSchool(school: NewMicroschool): Promise<{ schoolId: number }> {
      return createMicroschool(db, school);
    },
    async activateCoach(coachId: string): Promise<void> {
      await activateCoach(db, coachId);
    },
  };
}
