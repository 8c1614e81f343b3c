export { enrollmentWorkflow } from './enrollment';
export { coachOnboardingWorkflow } from './coach-onboarding/workflow';
