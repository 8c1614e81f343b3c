export { enrollmentWorkflow } from './enrollment';
export { coachTimelineWorkflow } from './timeline/workflow';
export { coachOnboardingWorkflow } from './coach-onboarding/workflow';
