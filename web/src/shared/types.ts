// The shapes of the API's JSON that the front ends read.

export interface Coded {
  code: string;
  label: string;
}

export interface Outcome {
  code: string;
  label: string;
  reason_required: boolean;
}

export interface StepView {
  code: string;
  sop: string;
  title: string;
  role: string;
  role_label: string;
  awaiting_decision: boolean;
  since?: string;
  outcomes: Outcome[];
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

export interface Deadlines {
  today?: string;
  applicant?: Clock;
  agency?: Clock;
  step?: Clock;
  warnings?: string[];
}

export interface Application {
  cooperative_name: string;
  legal_entity_number: string;
  nib: string;
  branch: { address: string; operating_permit_number: string; operating_permit_date: string; business_started_on: string };
  cash_office: { address: string; member_count: number; head_name: string };
  oss_reference: string;
  contact: { email: string; phone: string };
}

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

export interface Requirement {
  code: string;
  name: string;
  required: boolean;
  kinds: string[];
  max_bytes: number;
  document?: DocumentView;
}

export interface Actor {
  name: string;
  role?: string;
  sub?: string;
}

export interface Decision {
  actor: Actor;
  at: string;
  step: string;
  outcome: string;
  reason?: string;
  details?: Record<string, unknown> & { kind: string };
}

export interface LetterFile {
  key: string;
  sha256: string;
  size: number;
}

export interface Letter {
  drafts: { version: number; kind: string; drafted_at: string; drafted_by: Actor; file: LetterFile; notes?: string }[];
  signed?: {
    document_id: string;
    number: string;
    kind: string;
    signed_at: string;
    signer: Actor;
    version: number;
    file: LetterFile;
    revoked_at?: string;
    revoked_reason?: string;
  };
}

export interface CaseView {
  id: string;
  registration_number?: string;
  status: Coded;
  step?: StepView | null;
  version: number;
  application: Application;
  created_at: string;
  updated_at: string;
  submitted_at?: string;
  closed_at?: string;
  revision?: { from_step: string; missing: string[]; reason: string; at: string };
  recommendation?: { outcome: string; number: string; date: string; official?: Actor };
  letter: Letter;
  permit?: { oss_permit_number: string; effective_on: string; recorded_at?: string; recorded_by?: Actor };
  survey_answered: boolean;
  decisions: Decision[];
  requirements?: Requirement[];
  deadlines: Deadlines;
  timeline: { step: string; entered_at: string; left_at?: string; due_on?: string; outcome?: string }[];
  actions: string[];
}

export interface CaseSummary {
  id: string;
  registration_number?: string;
  cooperative_name: string;
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
