export { enrollmentWorkflow } from './enrollment';
export { coachTimelineWorkflow } from './timeline/workflow';
