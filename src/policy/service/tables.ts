/** The policy tables (migration 008_policy); only src/policy/service reads or writes them. */

export interface PolicyDecisionTable {
  id: string;
  time: string;
  action: string;
  /** The subject's entity ref (`component:default/orders-api`). */
  subject: string;
  policy: string;
  pack: string | null;
  mode: string;
  /** allow | deny | warn | audit | exempt (a denial or warning an active exemption waived). */
  result: string;
  /** JSON: string[]. */
  messages: string;
  reason: string | null;
  input_digest: string;
  actor: string;
  /** Deploy actions: the target environment. */
  environment: string | null;
  exemption_id: string | null;
  /** JSON: what the admission point looked at (the deployment, the pipeline run, the approvals, the location). */
  evidence: string;
}

export type ExemptionStatus = 'requested' | 'approved' | 'rejected' | 'revoked';

export interface PolicyExemptionTable {
  id: string;
  subject: string;
  policy: string;
  reason: string;
  status: ExemptionStatus;
  requested_by: string;
  requested_at: string;
  decided_by: string | null;
  decided_at: string | null;
  expires_at: string;
}

export type PolicyTables = { policy_decisions: PolicyDecisionTable; policy_exemptions: PolicyExemptionTable };
