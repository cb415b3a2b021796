import { z } from 'zod';

/**
 * The built-in steps a pipeline can `use` and the inputs (`with`) each accepts. The runner implements them
 * (src/pipelines/runner); exports run them as `npx --no gantry step <id> --with '<json>'` (docs/pipelines.md).
 */
export const BUILT_IN_STEP_IDS = ['gantry/secret-scan@1', 'gantry/dependency-audit@1', 'gantry/policy-gate@1'] as const;

export type BuiltInStepId = (typeof BUILT_IN_STEP_IDS)[number];

export const builtInStepInputs: Record<BuiltInStepId, z.ZodType> = {
  'gantry/secret-scan@1': z.strictObject({
    paths: z
      .array(z.string({ error: 'expected a path' }).min(1), { error: 'expected a list of paths relative to the checkout' })
      .min(1)
      .optional(),
  }),
  'gantry/dependency-audit@1': z.strictObject({
    severity: z
      .enum(['low', 'moderate', 'high', 'critical'], { error: 'expected one of low, moderate, high, critical' })
      .optional(),
    unreachable: z
      .enum(['fail', 'warn'], { error: 'expected fail or warn' })
      .optional(),
  }),
  'gantry/policy-gate@1': z.strictObject({}),
};

export function isBuiltInStep(id: string): id is BuiltInStepId {
  return (BUILT_IN_STEP_IDS as readonly string[]).includes(id);
}
