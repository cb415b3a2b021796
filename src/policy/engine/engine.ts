import { compilePolicySpec, type CompiledPolicySpec } from '../model/checkPolicy.js';
import { estimatedCost, ExpressionError, run, type CompiledExpression } from '../model/cel.js';
import { PACK_LABEL, type Admission, type AdmissionInput, type Decision, type DecisionResult, type Policy, type PolicyMatch, type PolicyMode } from '../model/types.js';
import { canonicalJson, largestCollection, sha256 } from './canonical.js';

/** Estimated cost units (AST nodes visited, comprehensions multiplied by the input's largest collection). */
export const DEFAULT_COST_LIMIT = 1_000_000;
/** Compiled policies kept; the cache is keyed by the policy's content, so an edited policy compiles again. */
const CACHE_SIZE = 2000;

export interface EvaluateOptions {
  /** The `now` policies see; the current time when absent. */
  now?: Date;
}

export interface PolicyEngineOptions {
  costLimit?: number;
}

export interface PolicyEngine {
  /** One decision per policy that matches the action and subject; never throws. */
  evaluate(policies: readonly Policy[], action: string, input: AdmissionInput, opts?: EvaluateOptions): Decision[];
  /** The decisions, summarised: denied when any enforce-mode policy denies. */
  admit(policies: readonly Policy[], action: string, input: AdmissionInput, opts?: EvaluateOptions): Admission;
}

/** A compiled policy and the cost terms of all its expressions together (summed once, not per decision). */
type Entry = { ok: true; compiled: CompiledPolicySpec; costTerms: number[] } | { ok: false; error: string };

function matchesAction(patterns: readonly string[], action: string): boolean {
  for (const p of patterns) {
    if (p === action || (p.endsWith('.*') && action.startsWith(p.slice(0, -1)))) return true;
  }
  return false;
}

/** Whether a policy applies, decided from plain data before any CEL runs. */
export function matches(match: PolicyMatch, action: string, input: AdmissionInput): boolean {
  if (!matchesAction(match.actions, action)) return false;
  const subject = input.subject ?? ({} as Partial<AdmissionInput['subject']>);
  if (match.kinds && !match.kinds.includes(String(subject.kind ?? '').toLowerCase())) return false;
  if (match.labels) {
    const labels = subject.labels ?? {};
    for (const [k, v] of Object.entries(match.labels)) if (labels[k] !== v) return false;
  }
  if (match.tags && !match.tags.some((t) => (subject.tags ?? []).includes(t))) return false;
  if (match.environmentTypes || match.environments) {
    const env = (input.object as { environment?: { name?: unknown; type?: unknown } } | undefined)?.environment;
    if (match.environmentTypes && !match.environmentTypes.includes(String(env?.type ?? ''))) return false;
    if (match.environments && !match.environments.includes(String(env?.name ?? ''))) return false;
  }
  return true;
}

function totalCostTerms(c: CompiledPolicySpec): number[] {
  const expressions: CompiledExpression[] = [...c.variables.map((v) => v.compiled), ...c.validations.flatMap((v) => (v.message ? [v.compiled, v.message] : [v.compiled]))];
  const terms: number[] = [];
  for (const e of expressions) e.costTerms.forEach((t, k) => (terms[k] = (terms[k] ?? 0) + t));
  return terms;
}

function failedResult(mode: PolicyMode): DecisionResult {
  return mode === 'enforce' ? 'deny' : mode;
}

function describeError(e: unknown): string {
  return e instanceof ExpressionError
    ? `${e.summary}${e.position ? ` (column ${e.position.column}${e.position.line > 1 ? ` of line ${e.position.line}` : ''})` : ''}`
    : String((e as Error)?.message ?? e);
}

export function createPolicyEngine(options: PolicyEngineOptions = {}): PolicyEngine {
  const costLimit = options.costLimit ?? DEFAULT_COST_LIMIT;
  const byContent = new Map<string, Entry>();
  const byObject = new WeakMap<Policy, Entry>();

  /** Compiles once per content: policies from the catalog or the API are new objects with the same spec. */
  function compiled(policy: Policy): Entry {
    const known = byObject.get(policy);
    if (known) return known;
    const key = sha256(canonicalJson(policy.spec));
    let entry = byContent.get(key);
    if (!entry) {
      const { compiled: c, findings } = compilePolicySpec(policy.spec);
      entry = c ? { ok: true, compiled: c, costTerms: totalCostTerms(c) } : { ok: false, error: findings.map((f) => `spec.${f.at.join('.')}: ${f.message.split('\n')[0]}`).join('; ') };
      if (byContent.size >= CACHE_SIZE) byContent.delete(byContent.keys().next().value!);
      byContent.set(key, entry);
    }
    byObject.set(policy, entry);
    return entry;
  }

  function decide(policy: Policy, action: string, input: AdmissionInput, context: Record<string, unknown>, size: number, digest: string): Decision {
    const name = policy.metadata?.name ?? '(unnamed)';
    const mode: PolicyMode = policy.spec?.mode ?? 'enforce';
    const base = {
      policy: name,
      ...(policy.metadata?.labels?.[PACK_LABEL] ? { pack: policy.metadata.labels[PACK_LABEL] } : {}),
      mode,
      action,
      subject: String(input.subject?.ref ?? ''),
      inputDigest: digest,
    };
    const fail = (messages: string[], reason: string): Decision => ({ ...base, result: failedResult(mode), messages, reason });
    const entry = compiled(policy);
    if (!entry.ok) return fail([`policy ${name}: does not compile: ${entry.error}`], 'InvalidPolicy');
    const c = entry.compiled;

    const cost = estimatedCost(entry.costTerms, size);
    if (cost > costLimit) {
      return fail([`policy ${name}: estimated cost ${Math.round(cost)} exceeds the limit ${costLimit} (the input's largest list has ${size} items)`], 'CostLimitExceeded');
    }

    const variables: Record<string, unknown> = {};
    const ctx = { ...context, variables };
    for (const v of c.variables) {
      try {
        variables[v.name] = run(v.compiled, ctx);
      } catch (e) {
        return fail([`policy ${name}: variables.${v.name}: evaluation failed: ${describeError(e)}`], 'EvaluationFailed');
      }
    }
    const messages: string[] = [];
    let reason: string | undefined;
    c.validations.forEach((v, i) => {
      const spec = c.spec.validations[i]!;
      let value: unknown;
      try {
        value = run(v.compiled, ctx);
      } catch (e) {
        messages.push(`policy ${name}: validations[${i}]: evaluation failed: ${describeError(e)}`);
        reason ??= 'EvaluationFailed';
        return;
      }
      if (value === true) return;
      if (value !== false) {
        messages.push(`policy ${name}: validations[${i}]: evaluation failed: expected a bool result, found ${typeof value}`);
        reason ??= 'EvaluationFailed';
        return;
      }
      messages.push(messageOf(v.message, spec.message, spec.expression, ctx));
      reason ??= spec.reason ?? 'Forbidden';
    });
    if (messages.length === 0) return { ...base, result: 'allow', messages };
    return fail(messages, reason!);
  }

  function evaluate(policies: readonly Policy[], action: string, input: AdmissionInput, opts: EvaluateOptions = {}): Decision[] {
    const applicable = policies.filter((p) => {
      try {
        return matches(p.spec.match, action, input);
      } catch {
        // A policy too malformed to match (from the API, unchecked) applies to nothing it could not read.
        return Array.isArray(p?.spec?.match?.actions) && matchesAction(p.spec.match.actions, action);
      }
    });
    if (applicable.length === 0) return [];
    const digest = sha256(canonicalJson({ action, subject: input.subject, actor: input.actor, object: input.object }));
    const size = largestCollection(input);
    const context = { object: input.object ?? {}, subject: input.subject, actor: input.actor, now: opts.now ?? new Date() };
    return applicable.map((p) => {
      try {
        return decide(p, action, input, context, size, digest);
      } catch (e) {
        // Fail closed: nothing a policy or an input does may crash the platform.
        const mode = p.spec?.mode ?? 'enforce';
        return { policy: p.metadata?.name ?? '(unnamed)', mode, action, subject: String(input.subject?.ref ?? ''), result: failedResult(mode), messages: [`policy ${p.metadata?.name}: evaluation failed: ${describeError(e)}`], reason: 'EvaluationFailed', inputDigest: digest };
      }
    });
  }

  return {
    evaluate,
    admit(policies, action, input, opts) {
      const decisions = evaluate(policies, action, input, opts);
      const denials = decisions.filter((d) => d.result === 'deny');
      return { allowed: denials.length === 0, denials, warnings: decisions.filter((d) => d.result === 'warn'), decisions };
    },
  };
}

/** messageExpression when it evaluates to a string, else message, else the failed expression (as Kubernetes does). */
function messageOf(expr: CompiledExpression | undefined, message: string | undefined, expression: string, ctx: Record<string, unknown>): string {
  if (expr) {
    try {
      const value = run(expr, ctx);
      if (typeof value === 'string' && value) return value;
    } catch {
      // Fall through to the static message: a broken message must not hide the denial.
    }
  }
  return message ?? `failed expression: ${expression}`;
}
