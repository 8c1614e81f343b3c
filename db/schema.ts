// Types only from kysely: workflow code may import the enum tuples below without pulling in a runtime dependency.
import type { ColumnType, Generated, GeneratedAlways, Insertable, Selectable, Updateable } from 'kysely';
import type { BackgroundCheckRequestStatus, BackgroundCheckStatus, OnboardingStatus } from '../domain/coach-onboarding';

// ---------------------------------------------------------------------------------------------------------------
// Enumerations (mirrored by CHECK constraints in db/migrations; migrations keep their own literal copies)
// ---------------------------------------------------------------------------------------------------------------

/** OneRoster `StatusTypeEnum` for orgs and users. */
export const ONEROSTER_STATUSES = ['active', 'tobedeleted'] as const;
export type OneRosterStatus = (typeof ONEROSTER_STATUSES)[number];

/** OneRoster `OrgTypeEnum`. */
export const ORG_TYPES = ['department', 'school', 'district', 'local', 'state', 'national'] as const;
export type OrgType = (typeof ORG_TYPES)[number];

/** OneRoster `RoleEnum` (a user's primary role). */
export const USER_ROLES = [
  'administrator',
  'aide',
  'guardian',
  'parent',
  'proctor',
  'relative',
  'student',
  'teacher',
] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** A user's role within one org (`user_org_associations.role`). */
export const ASSOCIATION_ROLES = [
  'head_coach',
  'assistant_coach',
  'administrator',
  'staff',
  'student',
  'parent',
] as const;
export type AssociationRole = (typeof ASSOCIATION_ROLES)[number];

/** `tsa_student_extensions.enrollment_status`: the student's standing, not the enrollment workflow's status. */
export const STUDENT_ENROLLMENT_STATUSES = ['registered', 'enrolled', 'withdrawn'] as const;
export type StudentEnrollmentStatus = (typeof STUDENT_ENROLLMENT_STATUSES)[number];

export {
  BACKGROUND_CHECK_REQUEST_STATUSES,
  BACKGROUND_CHECK_STATUSES,
  ONBOARDING_STATUSES,
  type BackgroundCheckRequestStatus,
  type BackgroundCheckStatus,
  type OnboardingStatus,
} from '../domain/coach-onboarding';

export const INVITATION_STATUSES = ['pending', 'redeemed', 'expired', 'revoked'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

/** The enrollment workflow's status (`enrollments.status`). */
export const ENROLLMENT_STATUSES = ['in_progress', 'registered', 'enrolled', 'cancelled', 'expired'] as const;
export type EnrollmentStatus = (typeof ENROLLMENT_STATUSES)[number];

export const STUDENT_RECORDS_STATUSES = ['not_started', 'creating', 'created', 'failed'] as const;
export type StudentRecordsStatus = (typeof STUDENT_RECORDS_STATUSES)[number];

export const NOTIFICATION_STATUSES = ['pending', 'sent', 'failed'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

export const TIMELINE_STEP_STATUSES = ['not_started', 'in_progress', 'blocked', 'completed', 'skipped'] as const;
export type TimelineStepStatus = (typeof TIMELINE_STEP_STATUSES)[number];

export const TIMELINE_CHANGE_TRIGGERS = ['coach', 'mentor', 'system'] as const;
export type TimelineChangeTrigger = (typeof TIMELINE_CHANGE_TRIGGERS)[number];

export const TIMELINE_DEPENDENCY_TYPES = ['hard', 'soft', 'conditional'] as const;
export type TimelineDependencyType = (typeof TIMELINE_DEPENDENCY_TYPES)[number];

// ---------------------------------------------------------------------------------------------------------------
// Column types
// ---------------------------------------------------------------------------------------------------------------

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * jsonb: read as `T`, written as JSON text (`JSON.stringify(value)`). Never pass a JS array as a parameter: pg
 * sends arrays as Postgres array literals (`{a,b}`), which jsonb rejects.
 */
type Json<T> = ColumnType<T, string, string>;
/** jsonb with a database default (`'[]'` or `'{}'`). */
type JsonWithDefault<T> = ColumnType<T, string | undefined, string>;
type NullableJson<T> = ColumnType<T | null, string | null | undefined, string | null>;

/** date: pg is configured (db/index.ts) to return it as the raw `YYYY-MM-DD` string. */
type DateOnly = ColumnType<string, string, string>;
type NullableDateOnly = ColumnType<string | null, string | null | undefined, string | null>;

/** timestamptz with `default now()`. */
type TimestampDefaultNow = ColumnType<Date, Date | string | undefined, Date | string>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/** numeric: pg returns it as a string to keep its precision; write a number or a string. */
type Numeric = ColumnType<string, number | string, number | string>;

/** One step of a timeline template (`timeline_templates.steps`). */
export interface TimelineTemplateStep {
  key: string;
  name: string;
  description: string;
  category: string;
  offsetDaysBeforeLaunch: number;
  dependsOn: { key: string; type: TimelineDependencyType; condition?: JsonValue }[];
}

// ---------------------------------------------------------------------------------------------------------------
// Tables. bigint and identity columns are numbers (pg parses INT8 with Number, see db/index.ts).
// ---------------------------------------------------------------------------------------------------------------

/** OneRoster org. */
export interface OrgsTable {
  sourced_id: string;
  status: Generated<OneRosterStatus>;
  name: string;
  type: OrgType;
  identifier: string | null;
  parent_sourced_id: string | null;
  metadata: JsonWithDefault<JsonObject>;
  date_last_modified: TimestampDefaultNow;
  created_at: TimestampDefaultNow;
  /** Ed-Fi change version, assigned by a trigger (see migration 2026_12_01_0500). */
  change_version: Generated<number>;
  /** Immutable insertion order: stable offset paging. */
  row_seq: GeneratedAlways<number>;
}

/** Ed-Fi school; `school_id` is assigned by the caller (`nextval('school_id_seq')` for new microschools). */
export interface SchoolsTable {
  school_id: number;
  org_sourced_id: string;
  name_of_institution: string;
  created_at: TimestampDefaultNow;
  /** Ed-Fi change version, assigned by a trigger (see migration 2026_12_01_0500). */
  change_version: Generated<number>;
}

/** OneRoster user. */
export interface UsersTable {
  sourced_id: string;
  status: Generated<OneRosterStatus>;
  enabled_user: Generated<boolean>;
  username: string | null;
  given_name: string;
  family_name: string;
  middle_name: string | null;
  role: UserRole;
  identifier: string | null;
  email: string | null;
  phone: string | null;
  birth_date: NullableDateOnly;
  /** Org sourced ids. */
  org_ids: JsonWithDefault<string[]>;
  /** CEDS grade codes: `PK`, `KG`, `01` … `12`. */
  grades: JsonWithDefault<string[]>;
  /** Sourced ids of related users (a student's guardians, a guardian's students). */
  agents: JsonWithDefault<string[]>;
  model_metadata: JsonWithDefault<JsonObject>;
  date_last_modified: TimestampDefaultNow;
  created_at: TimestampDefaultNow;
  /** Ed-Fi change version, assigned by a trigger (see migration 2026_12_01_0500). */
  change_version: Generated<number>;
  /** Immutable insertion order: stable offset paging. */
  row_seq: GeneratedAlways<number>;
}

export interface UserOrgAssociationsTable {
  id: GeneratedAlways<number>;
  user_sourced_id: string;
  org_sourced_id: string;
  role: AssociationRole;
  created_at: TimestampDefaultNow;
}

/** Ed-Fi Student; one per enrollment (`enrollment_id` is the idempotency key of the student record set). */
export interface StudentsTable {
  student_usi: GeneratedAlways<number>;
  student_unique_id: string;
  enrollment_id: string;
  first_name: string;
  middle_name: string | null;
  last_name: string;
  birth_date: DateOnly;
  birth_sex_descriptor: string;
  hispanic_latino_ethnicity: boolean;
  /** Race descriptor URIs. */
  races: JsonWithDefault<string[]>;
  source_system_descriptor: string;
  created_at: TimestampDefaultNow;
  updated_at: TimestampDefaultNow;
  /** Ed-Fi change version, assigned by a trigger (see migration 2026_12_01_0500). */
  change_version: Generated<number>;
}

/** Ed-Fi StudentEducationOrganizationAssociation (where DS 5.2 keeps sex, races and ethnicity). */
export interface StudentEducationOrganizationAssociationsTable {
  id: GeneratedAlways<number>;
  student_unique_id: string;
  education_organization_id: number;
  sex_descriptor: string;
  /** Race descriptor URIs. */
  races: JsonWithDefault<string[]>;
  hispanic_latino_ethnicity: boolean;
  created_at: TimestampDefaultNow;
  updated_at: TimestampDefaultNow;
  /** Ed-Fi change version, assigned by a trigger (see migration 2026_12_01_0500). */
  change_version: Generated<number>;
}

/** Ed-Fi StudentSchoolAssociation. */
export interface StudentSchoolAssociationsTable {
  id: GeneratedAlways<number>;
  student_unique_id: string;
  school_id: number;
  entry_date: DateOnly;
  entry_grade_level_descriptor: string;
  entry_type_descriptor: string;
  /** The year the school year ends (2026–27 → 2027). */
  school_year: number;
  primary_school: Generated<boolean>;
  exit_withdraw_date: NullableDateOnly;
  exit_withdraw_type_descriptor: string | null;
  created_at: TimestampDefaultNow;
  updated_at: TimestampDefaultNow;
  /** Ed-Fi change version, assigned by a trigger (see migration 2026_12_01_0500). */
  change_version: Generated<number>;
}

export interface TsaStudentExtensionsTable {
  student_unique_id: string;
  sport_interests: Json<string[]>;
  enrollment_status: StudentEnrollmentStatus;
  assigned_program_track: string | null;
  grade_level_at_enrollment: string;
  expected_start_date: NullableDateOnly;
  referring_coach_id: string | null;
  invitation_id: string | null;
  parent_consultation_completed: Generated<boolean>;
  required_documents_complete: Generated<boolean>;
  deposit_paid: Generated<boolean>;
  enrollment_completed_date: NullableDateOnly;
  custom_data: JsonWithDefault<JsonObject>;
  created_at: TimestampDefaultNow;
  updated_at: TimestampDefaultNow;
}

export interface CoachProfilesTable {
  coach_id: string;
  user_sourced_id: string | null;
  first_name: string;
  last_name: string;
  email: string;
  phone: string | null;
  sport_specialties: JsonWithDefault<string[]>;
  location_preferences: JsonWithDefault<string[]>;
  max_students: number | null;
  llc_name: string | null;
  /** `NN-NNNNNNN`. */
  ein: string | null;
  insurance_provider: string | null;
  insurance_policy_number: string | null;
  insurance_expires_on: NullableDateOnly;
  background_check_status: Generated<BackgroundCheckStatus>;
  onboarding_status: Generated<OnboardingStatus>;
  school_id: number | null;
  created_at: TimestampDefaultNow;
  updated_at: TimestampDefaultNow;
  bio: string | null;
  current_step: Generated<number>;
  failure_reason: string | null;
  /** The coach onboarding workflow writes only versions greater than the stored one. */
  projection_version: Generated<number>;
}

export interface BackgroundChecksTable {
  id: GeneratedAlways<number>;
  coach_id: string;
  provider: string;
  provider_reference: string | null;
  status: BackgroundCheckRequestStatus;
  requested_at: TimestampDefaultNow;
  completed_at: NullableTimestamp;
  result: NullableJson<JsonObject>;
  /** `{coachId}:{n}`, the coach's n-th request. */
  request_key: string | null;
  candidate_id: string | null;
  invitation_id: string | null;
  report_id: string | null;
  report_status: string | null;
  report_result: string | null;
  adjudication: string | null;
  legal_first_name: string | null;
  legal_last_name: string | null;
  birth_date: NullableDateOnly;
  /** The only part of the SSN ever stored. */
  ssn_last4: string | null;
  updated_at: TimestampDefaultNow;
}

/** Background-check webhook events received, by the provider's event id (de-duplication). */
export interface BackgroundCheckEventsTable {
  event_id: string;
  type: string;
  object_id: string | null;
  candidate_id: string | null;
  coach_id: string | null;
  created_at: Timestamp;
  received_at: TimestampDefaultNow;
}

export interface QuizAttemptsTable {
  id: GeneratedAlways<number>;
  coach_id: string;
  attempt_number: number;
  score_percent: Numeric;
  passed: boolean;
  attempted_at: TimestampDefaultNow;
  attempt_id: string | null;
  question_ids: JsonWithDefault<string[]>;
  answers: JsonWithDefault<{ questionId: string; choiceId: string }[]>;
  correct_count: number | null;
  started_at: NullableTimestamp;
  duration_ms: number | null;
}

export interface InvitationsTable {
  invitation_id: string;
  /** sha256 hex of the invitation token; the token itself is never stored. */
  token_hash: string;
  coach_id: string | null;
  parent_email: string;
  school_id: number;
  sport: string | null;
  status: Generated<InvitationStatus>;
  enrollment_id: string | null;
  expires_at: Timestamp;
  created_at: TimestampDefaultNow;
  redeemed_at: NullableTimestamp;
}

/** Read-side projection of the enrollment workflow. */
export interface EnrollmentsTable {
  enrollment_id: string;
  invitation_id: string;
  status: EnrollmentStatus;
  /** 1–6. */
  current_step: number;
  coach_id: string | null;
  school_id: number;
  student_unique_id: string | null;
  student_records_status: Generated<StudentRecordsStatus>;
  student_records_error: string | null;
  student_records_attempts: Generated<number>;
  /** Writers apply an update only when its version is greater than the stored one, keeping the projection monotonic. */
  projection_version: Generated<number>;
  created_at: TimestampDefaultNow;
  updated_at: TimestampDefaultNow;
}

/** Notification outbox. */
export interface NotificationsTable {
  id: GeneratedAlways<number>;
  dedupe_key: string;
  kind: string;
  recipient: string;
  enrollment_id: string | null;
  payload: JsonWithDefault<JsonObject>;
  status: Generated<NotificationStatus>;
  created_at: TimestampDefaultNow;
  sent_at: NullableTimestamp;
}

export interface TimelineTemplatesTable {
  template_id: string;
  name: string;
  version: number;
  steps: Json<TimelineTemplateStep[]>;
  created_at: TimestampDefaultNow;
  custom_fields: JsonWithDefault<JsonObject>;
}

/** One row per timeline: its header and the last change sequence folded into `timeline_steps`. */
export interface TimelinesTable {
  timeline_id: string;
  coach_id: string;
  template_id: string;
  name: string;
  target_launch_date: DateOnly;
  focus_areas: JsonWithDefault<string[]>;
  customization_level: 'minimal' | 'moderate' | 'extensive';
  custom_fields: JsonWithDefault<JsonObject>;
  sequence: number;
  created_at: TimestampDefaultNow;
  updated_at: TimestampDefaultNow;
}

/** Current state of each timeline step (projection of `timeline_change_events`). */
export interface TimelineStepsTable {
  timeline_id: string;
  step_id: string;
  coach_id: string;
  name: string;
  description: string | null;
  category: string | null;
  status: TimelineStepStatus;
  order_index: number;
  due_date: NullableDateOnly;
  dependencies: JsonWithDefault<JsonValue[]>;
  next_actions: JsonWithDefault<string[]>;
  notes: string | null;
  resources: JsonWithDefault<JsonValue[]>;
  tags: JsonWithDefault<string[]>;
  completed_at: NullableTimestamp;
  updated_at: TimestampDefaultNow;
  order_key: Generated<string>;
  priority: Generated<'low' | 'medium' | 'high' | 'critical'>;
  planned_start: NullableDateOnly;
  duration_days: Generated<number>;
  assignee: string | null;
  started_at: NullableTimestamp;
}

/** Append-only (enforced by triggers): insert only. */
export interface TimelineChangeEventsTable {
  timeline_id: string;
  sequence: number;
  change_type: string;
  step_id: string | null;
  before: NullableJson<JsonValue>;
  after: NullableJson<JsonValue>;
  reason: string | null;
  triggered_by: TimelineChangeTrigger;
  occurred_at: TimestampDefaultNow;
  actor_id: string | null;
  origin: Generated<'change' | 'undo' | 'redo'>;
  reverts_sequence: number | null;
}

/** The API's audit log. Append-only (enforced by triggers): insert only. */
export interface AuditLogTable {
  id: GeneratedAlways<number>;
  occurred_at: TimestampDefaultNow;
  actor: string;
  role: string;
  action: string;
  target: string | null;
  request_id: string;
  outcome: string;
  details: JsonWithDefault<JsonObject>;
}

/** The request each Idempotency-Key was first used for (scope: the caller, the token's subject). */
export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  /** sha256 of the method, path and canonical JSON body. */
  fingerprint: string;
  method: string;
  path: string;
  created_at: TimestampDefaultNow;
}

/** An OAuth 2.0 client-credentials client of the standards APIs, registered by ops. */
export interface ApiClientsTable {
  client_id: string;
  name: string;
  /** `scrypt$N$r$p$salt$hash` (base64url); the secret itself is never stored. */
  secret_hash: string;
  scopes: Json<string[]>;
  created_by: string;
  created_at: TimestampDefaultNow;
  revoked_at: NullableTimestamp;
}

/** Ed-Fi records that are gone, for `/{resource}/deletes`; filled by triggers. */
export interface EdfiDeletesTable {
  change_version: number;
  resource: string;
  key_values: Json<Record<string, string | number>>;
  deleted_at: TimestampDefaultNow;
}

/** A file a parent uploaded for an enrollment; its bytes are in the document store under `sha256`. */
export interface EnrollmentDocumentsTable {
  enrollment_id: string;
  sha256: string;
  content_type: string;
  size_bytes: number;
  uploaded_at: TimestampDefaultNow;
}

export interface Database {
  orgs: OrgsTable;
  schools: SchoolsTable;
  users: UsersTable;
  user_org_associations: UserOrgAssociationsTable;
  students: StudentsTable;
  student_education_organization_associations: StudentEducationOrganizationAssociationsTable;
  student_school_associations: StudentSchoolAssociationsTable;
  tsa_student_extensions: TsaStudentExtensionsTable;
  coach_profiles: CoachProfilesTable;
  background_checks: BackgroundChecksTable;
  quiz_attempts: QuizAttemptsTable;
  background_check_events: BackgroundCheckEventsTable;
  invitations: InvitationsTable;
  enrollments: EnrollmentsTable;
  notifications: NotificationsTable;
  timeline_templates: TimelineTemplatesTable;
  timeline_steps: TimelineStepsTable;
  timeline_change_events: TimelineChangeEventsTable;
  timelines: TimelinesTable;
  audit_log: AuditLogTable;
  idempotency_keys: IdempotencyKeysTable;
  api_clients: ApiClientsTable;
  edfi_deletes: EdfiDeletesTable;
  enrollment_documents: EnrollmentDocumentsTable;
}

// ---------------------------------------------------------------------------------------------------------------
// Row types: use these, never the table interfaces, as results and inputs.
// ---------------------------------------------------------------------------------------------------------------

export type Org = Selectable<OrgsTable>;
export type NewOrg = Insertable<OrgsTable>;
export type OrgUpdate = Updateable<OrgsTable>;

export type School = Selectable<SchoolsTable>;
export type NewSchool = Insertable<SchoolsTable>;
export type SchoolUpdate = Updateable<SchoolsTable>;

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;

export type UserOrgAssociation = Selectable<UserOrgAssociationsTable>;
export type NewUserOrgAssociation = Insertable<UserOrgAssociationsTable>;
export type UserOrgAssociationUpdate = Updateable<UserOrgAssociationsTable>;

export type Student = Selectable<StudentsTable>;
export type NewStudent = Insertable<StudentsTable>;
export type StudentUpdate = Updateable<StudentsTable>;

export type StudentEducationOrganizationAssociation = Selectable<StudentEducationOrganizationAssociationsTable>;
export type NewStudentEducationOrganizationAssociation = Insertable<StudentEducationOrganizationAssociationsTable>;
export type StudentEducationOrganizationAssociationUpdate = Updateable<StudentEducationOrganizationAssociationsTable>;

export type StudentSchoolAssociation = Selectable<StudentSchoolAssociationsTable>;
export type NewStudentSchoolAssociation = Insertable<StudentSchoolAssociationsTable>;
export type StudentSchoolAssociationUpdate = Updateable<StudentSchoolAssociationsTable>;

export type TsaStudentExtension = Selectable<TsaStudentExtensionsTable>;
export type NewTsaStudentExtension = Insertable<TsaStudentExtensionsTable>;
export type TsaStudentExtensionUpdate = Updateable<TsaStudentExtensionsTable>;

export type CoachProfile = Selectable<CoachProfilesTable>;
export type NewCoachProfile = Insertable<CoachProfilesTable>;
export type CoachProfileUpdate = Updateable<CoachProfilesTable>;

export type BackgroundCheck = Selectable<BackgroundChecksTable>;
export type NewBackgroundCheck = Insertable<BackgroundChecksTable>;
export type BackgroundCheckUpdate = Updateable<BackgroundChecksTable>;

export type QuizAttempt = Selectable<QuizAttemptsTable>;
export type NewQuizAttempt = Insertable<QuizAttemptsTable>;
export type QuizAttemptUpdate = Updateable<QuizAttemptsTable>;

export type Invitation = Selectable<InvitationsTable>;
export type NewInvitation = Insertable<InvitationsTable>;
export type InvitationUpdate = Updateable<InvitationsTable>;

export type Enrollment = Selectable<EnrollmentsTable>;
export type NewEnrollment = Insertable<EnrollmentsTable>;
export type EnrollmentUpdate = Updateable<EnrollmentsTable>;

export type Notification = Selectable<NotificationsTable>;
export type NewNotification = Insertable<NotificationsTable>;
export type NotificationUpdate = Updateable<NotificationsTable>;

export type TimelineTemplate = Selectable<TimelineTemplatesTable>;
export type NewTimelineTemplate = Insertable<TimelineTemplatesTable>;
export type TimelineTemplateUpdate = Updateable<TimelineTemplatesTable>;

export type TimelineStep = Selectable<TimelineStepsTable>;
export type NewTimelineStep = Insertable<TimelineStepsTable>;
export type TimelineStepUpdate = Updateable<TimelineStepsTable>;

export type TimelineChangeEvent = Selectable<TimelineChangeEventsTable>;
export type NewTimelineChangeEvent = Insertable<TimelineChangeEventsTable>;
export type TimelineRow = Selectable<TimelinesTable>;

export type AuditLogEntry = Selectable<AuditLogTable>;
export type NewAuditLogEntry = Insertable<AuditLogTable>;

export type ApiClient = Selectable<ApiClientsTable>;
export type NewApiClient = Insertable<ApiClientsTable>;
