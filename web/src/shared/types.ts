// The shapes of the API's JSON that the front ends read.

export interface Coded {
  code: string;
  label: string;
}

// ---- The caller (GET /me) ----

/**
 * What a user's roles may do outside the permits' steps, as the office's role registry
 * (`infra/roles.json`) grants it; `GET /me` sends the union over the caller's roles.
 */
export type Capability =
  | 'reports'
  | 'security_log'
  | 'revoke_letters'
  | 'complaints'
  | 'complaint_escalation'
  /** Corrects an applicant's e-mail address or mobile number and sends the notice again. */
  | 'applicant_contact'
  /** Administers the office: records acting officials (Plt./Plh.). */
  | 'office_admin'
  /** Reads the reports of every office, each or all together (a province's or the ministry's monitoring). */
  | 'reports_all_offices';

/** An office as cases and users name it (`GET /offices` has the rest). */
export interface OfficeRef {
  code: string;
  name: string;
}

/** A role the caller holds today by delegation (Plt./Plh.), as `GET /me` names it. */
export interface ActingRole {
  role: string;
  role_label: string;
  /** "Plt." or "Plh.". */
  designation: string;
  /** The official stood in for. */
  for: string;
  delegation: string;
}

/** GET /me. */
export interface Me {
  sub?: string;
  name: string;
  email?: string;
  roles: Coded[];
  capabilities: Capability[];
  /** The office the staff member works at; null for applicants and cross-office viewers. */
  office?: OfficeRef | null;
  /** The roles held by delegation; they are in `roles` too. */
  acting?: ActingRole[];
}

/** An office serving permits (GET /offices). */
export interface Office extends OfficeRef {
  region: { name: string; province: string; code: string };
  agency: { name: string; government: string; address: string; phone?: string; fax?: string; website?: string; email?: string; city: string; head_position: string };
  permits: PermitRef[];
  days_off: { date: string; name: string; source?: string }[];
  complaint_channels: { name: string; contact: string }[];
}

// ---- Permit definitions (GET /permits, GET /permits/{code}) ----

export type FieldType =
  | 'text'
  | 'reference'
  | 'name'
  | 'address'
  | 'integer'
  | 'decimal'
  | 'money'
  | 'date'
  | 'email'
  | 'phone'
  /** An Indonesian mobile number that receives SMS (stored by the API as E.164, `+628…`). */
  | 'mobile'
  | 'nib'
  | 'nik'
  | 'choice'
  | 'boolean'
  | 'requirement_list';

/** One field of an application form or of a decision. */
export interface FieldDef {
  /** Dotted path of the value in the JSON body, e.g. `cash_office.member_count`. */
  path: string;
  type: FieldType;
  label: string;
  help?: string;
  /** Defaults to true. */
  required?: boolean;
  personal?: boolean;
  /** Length limits in characters; always sent for text, reference, name and address. */
  min_length?: number;
  max_length?: number;
  multiline?: boolean;
  min?: number;
  max?: number;
  decimals?: number;
  unit?: string;
  options?: Coded[];
  /** Dates: not after today (default true). */
  not_future?: boolean;
  not_past?: boolean;
  /** Decision fields: the outcomes the field applies to (all when absent). */
  outcomes?: string[];
}

export interface FormSection {
  title: string;
  help?: string;
  fields: FieldDef[];
}

export interface RequirementDef {
  code: string;
  name: string;
  description?: string;
  source?: string;
  required: boolean | 'conditional';
  condition?: { field: string; equals: unknown; label: string } | null;
  kinds: string[];
  media_types?: string[];
  max_bytes: number;
  /** Uploaded at this step (not with the application). */
  step?: string | null;
}

export interface Outcome {
  code: string;
  label: string;
  positive?: boolean;
  reason_required: boolean;
}

export type StepKind = 'decision' | 'applicant_revision' | 'applicant_upload' | 'survey';

export interface StepDef {
  code: string;
  sop: string;
  title: string;
  role: string;
  role_label: string;
  function?: string;
  kind: StepKind;
  sla?: { clock?: string; days?: number };
  outcomes: Outcome[];
  fields?: FieldDef[];
  help?: string;
}

export interface PermitSummary {
  code: string;
  name: string;
  short_name: string;
  description: string;
  product: string;
  fee: { kind: 'none' | 'retribution'; label: string; legal_basis?: string };
  processing_time: string;
  legal_basis: string[];
  technical_agency: { code: string; name: string } | null;
  national_system?: string;
  requirements: RequirementDef[];
  /** The summary's count of steps. */
  steps: number;
  assumptions: string[];
}

export interface PermitDef extends Omit<PermitSummary, 'steps'> {
  form: { sections: FormSection[] };
  rules: { code: string; field: string; source: string; message: string }[];
  steps: StepDef[];
  clocks: { applicant: { label: string; days: number }; agency: { label: string; days: number } };
  holder: string;
  /** The form fields (dotted paths) of the applicant's e-mail, mobile number and choice of channels. */
  contact: { email?: string; phone?: string; notify_by?: string };
  letters: { grant?: string; refusal?: string };
  bill: { title: string; object: string } | null;
  sources?: { title: string; reference?: string }[];
  /** The title of each notice the permit sends (code → title), as the audit trail names it. */
  notices?: Record<string, string>;
}

export interface PermitRef {
  code: string;
  name: string;
  short_name: string;
}

// ---- Cases ----

export interface StepView {
  code: string;
  sop: string;
  title: string;
  kind?: StepKind;
  role: string;
  role_label: string;
  awaiting_decision: boolean;
  since?: string;
  outcomes: Outcome[];
  fields?: FieldDef[];
}

export interface Clock {
  label?: string;
  step?: string;
  role?: string;
  started_at?: string;
  entered_on?: string;
  due_on?: string;
  used_days?: number;
  left_days?: number;
  target_days?: number;
  running?: boolean;
  state?: string;
  state_label?: string;
}

/** Fiktif positif: a stage's legal time (UU 30/2014 Pasal 53 as amended by UU 6/2023). */
export interface DeemedClock extends Clock {
  stage: string;
  title: string;
  lapsed: boolean;
  source: string;
}

export interface Deadlines {
  today?: string;
  applicant?: Clock;
  agency?: Clock;
  step?: Clock;
  deemed?: DeemedClock[];
  warnings?: string[];
}

/** An application's values, nested by the form's dotted paths. */
export type Values = Record<string, unknown>;

export interface DocumentView {
  id: string;
  requirement: string;
  version: number;
  file_name: string;
  media_type: string;
  status: string;
  size?: number;
  sha256?: string;
  created_at: string;
  stored_at?: string;
}

/** A requirement as it applies to one case. */
export interface Requirement {
  code: string;
  name: string;
  description?: string;
  required: boolean;
  step?: string | null;
  kinds: string[];
  max_bytes: number;
  document?: DocumentView;
}

export interface Actor {
  name: string;
  role?: string;
  /** The role's title (audit events; not every actor in a case view carries it). */
  role_label?: string;
  sub?: string;
  /** The role was held by delegation: under which, for whom. */
  acting?: { kind: 'plt' | 'plh'; for_name: string; delegation: string };
}

export interface Decision {
  actor: Actor;
  at: string;
  step: string;
  outcome: string;
  reason?: string;
  details?: Record<string, unknown>;
}

export interface StoredFile {
  key: string;
  sha256: string;
  size: number;
}

export interface Letter {
  drafts: { version: number; kind: string; drafted_at: string; drafted_by: Actor; file: StoredFile; notes?: string }[];
  signed?: {
    document_id: string;
    number: string;
    kind: string;
    signed_at: string;
    signer: Actor;
    version: number;
    file: StoredFile;
    revoked_at?: string;
    revoked_reason?: string;
  };
}

export interface CaseView {
  id: string;
  permit: PermitRef;
  office?: OfficeRef;
  registration_number?: string;
  status: Coded;
  step?: StepView | null;
  version: number;
  application: Values;
  created_at: string;
  updated_at: string;
  submitted_at?: string;
  closed_at?: string;
  revision?: { from_step: string; missing: string[]; reason: string; at: string };
  recommendation?: { outcome: string; step?: string; number?: string; date?: string; reason?: string; official?: Actor };
  letter: Letter;
  issuance?: { number: string; effective_on: string; recorded_by?: Actor; recorded_at?: string };
  fee?: { amount: number; basis?: string; step: string; assessed_by?: Actor; assessed_at?: string };
  bill?: { number: string; amount: number; issued_at: string; due_on: string; issued_by?: Actor; file?: StoredFile };
  payment?: { reference?: string; paid_on?: string; document_id?: string; verified_by?: Actor; verified_at?: string };
  survey_answered: boolean;
  decisions: Decision[];
  requirements?: Requirement[];
  deadlines: Deadlines;
  timeline: { step: string; entered_at: string; left_at?: string; due_on?: string; outcome?: string }[];
  actions: string[];
  /** The notices sent to the applicant and whether they arrived. */
  notices?: NoticeReport;
}

// ---- Notices to the applicant and their delivery ----

export type NoticeChannel = 'email' | 'sms';

export type DeliveryStatus = 'sent' | 'delivered' | 'deferred' | 'bounced' | 'complained' | 'failed';

/** One notice sent to the applicant on one channel, with what the mail or SMS service reported. */
export interface NoticeDelivery {
  case_id: string;
  channel: NoticeChannel;
  message_id: string;
  /** The notice's code (`file_complete`), titled by the permit's `notices`. */
  notice: string;
  /** The e-mail address or the mobile number (+62…) it went to. */
  to: string;
  status: DeliveryStatus;
  sent_at: string;
  updated_at?: string;
  /** What the service said (a bounce's diagnostic, the carrier's response). */
  detail?: string;
  /** SMS: the parts it was billed as. */
  segments?: number;
  key: string;
}

export interface NoticeReport {
  deliveries: NoticeDelivery[];
  /** The channels whose latest notice to the current address or number did not arrive. */
  undelivered: NoticeChannel[];
}

export interface CaseSummary {
  id: string;
  permit: PermitRef;
  office?: OfficeRef;
  registration_number?: string;
  holder?: string;
  status: Coded;
  step?: StepView | null;
  version: number;
  created_at: string;
  updated_at: string;
  deadline?: Clock;
  actions: string[];
}

export interface AuditEvent {
  seq: number;
  at: string;
  actor: Actor;
  action: string;
  step?: string;
  step_title?: string;
  sop?: string;
  outcome?: string;
  reason?: string;
  source_ip?: string;
}

export interface EventList {
  items: AuditEvent[];
  count: number;
  chain_valid: boolean;
}

export interface List<T> {
  items: T[];
  count: number;
}

// ---- The office's administration (GET /office/…) ----

/** One member of the office's roster (GET /office/staff). */
export interface StaffMember {
  sub: string;
  name: string;
  roles: Coded[];
  /** The roles held today by delegation. */
  acting: { role: string; role_label: string; designation: string; for: string; ends_on: string }[];
  seen_at?: string | null;
  status: 'active' | 'invited' | 'disabled';
  status_label: string;
  /** The office administrator's view only. */
  email?: string | null;
  version?: number;
  changes?: { action: string; action_label: string; by: string; at: string; roles: Coded[]; reason?: string | null }[];
}

/** GET /office/staff: the roster, and the roles the office administrator can give. */
export interface StaffList extends List<StaffMember> {
  assignable_roles: Coded[];
}

export type DelegationState = 'active' | 'scheduled' | 'ended' | 'revoked';

/** An acting official (Plt./Plh.): one role handed from one person to another for a date range. */
export interface Delegation {
  id: string;
  role: string;
  role_label: string;
  kind: 'plt' | 'plh';
  designation: string;
  from: { sub: string; name: string };
  to: { sub: string; name: string };
  starts_on: string;
  ends_on: string;
  letter_number: string;
  history: { action: string; by: { name: string }; at: string; reason?: string }[];
  state: DelegationState;
  version: number;
}

/** GET /office/workload. */
export interface Workload {
  office: OfficeRef;
  steps: { step: string; title: string; role: string; role_label: string; waiting: number; unassigned: number; earliest_due_on?: string | null }[];
  officers: { sub: string; name: string; assigned: number; earliest_due_on?: string | null }[];
}
