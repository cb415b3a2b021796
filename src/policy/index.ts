/**
 * Policy as code (docs/policy.md): Policy documents with CEL expressions, checked when saved; the engine that
 * decides at each admission point; the built-in packs; and the runner of policy unit tests. Pure apart from
 * reading files; the platform wires the admission points, the decisions table and exemptions.
 */
export * from './model/types.js';
export { parsePolicies, packOf, MAX_POLICY_FILE_BYTES } from './model/parsePolicies.js';
export { checkPolicySpec, compilePolicySpec, type PolicyFinding, type CompiledPolicySpec } from './model/checkPolicy.js';
export { EXPRESSION_LIMITS, MAX_COMPREHENSION_DEPTH } from './model/cel.js';
export { createPolicyEngine, matches, DEFAULT_COST_LIMIT, type PolicyEngine, type PolicyEngineOptions, type EvaluateOptions } from './engine/engine.js';
export { canonicalJson, sha256 } from './engine/canonical.js';
export { runPolicyTests, runTestFile, findTestFiles, loadPolicyFiles, outcomeOf, type TestReport, type TestFileResult, type CaseResult } from './engine/testRunner.js';
export { builtInPolicies, BUILT_IN_PACKS, PACKS_DIR, type BuiltInPack } from './packs/builtIn.js';
export {
  createPolicyService,
  complianceCsv,
  policyDenied,
  PolicyDeniedError,
  NEEDS_APPROVAL,
  MAX_EXEMPTION_DAYS,
  type PolicyService,
  type PolicyServiceOptions,
  type ListedPolicy,
  type RecordedDecision,
  type RecordedAdmission,
  type AdmitOptions,
  type ExemptionView,
  type DecisionQuery,
  type ComplianceReport,
  type ComplianceRow,
} from './service/createPolicyService.js';
export { subjectOf, actorOf } from './service/subjects.js';
