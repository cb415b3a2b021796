import type { BuiltInStep, PolicyGate } from '../types.js';

/** Until the policy engine lands: every run may continue, and the record says why. */
export const allowWithoutPolicyEngine: PolicyGate = () => ({ allowed: true, reason: 'no policy engine configured' });

/** `gantry/policy-gate@1`: asks the platform (an injected `PolicyGate`) whether the run may continue. */
export function policyGateStep(gate: PolicyGate = allowWithoutPolicyEngine): BuiltInStep {
  return {
    async run(c) {
      const d = await gate({ ctx: c.ctx, pipeline: c.pipeline, jobId: c.jobId, stepId: c.stepId, with: c.with });
      c.log(`policy-gate: ${d.allowed ? 'allowed' : 'denied'}: ${d.reason}`);
      return d.allowed ? { status: 'succeeded' } : { status: 'failed', reason: `denied by policy: ${d.reason}` };
    },
  };
}
