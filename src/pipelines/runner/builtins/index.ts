import type { BuiltInStep, PolicyGate } from '../types.js';
import { dependencyAuditStep } from './dependencyAudit.js';
import { policyGateStep } from './policyGate.js';
import { secretScanStep } from './secretScan.js';

export { dependencyAuditStep } from './dependencyAudit.js';
export { allowWithoutPolicyEngine, policyGateStep } from './policyGate.js';
export { secretScanStep } from './secretScan.js';

/** The built-in `uses:` steps, by id. `policyGate` answers `gantry/policy-gate@1` (default: allow, no engine). */
export function defaultBuiltIns(o: { policyGate?: PolicyGate } = {}): Record<string, BuiltInStep> {
  return {
    'gantry/secret-scan@1': secretScanStep(),
    'gantry/dependency-audit@1': dependencyAuditStep(),
    'gantry/policy-gate@1': policyGateStep(o.policyGate),
  };
}
