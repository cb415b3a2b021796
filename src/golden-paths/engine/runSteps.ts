import { evaluate, RenderError, type RenderContext } from '../model/render.js';
import type { TemplateOutput, TemplateStep } from '../model/template.js';
import { ACTIONS } from './actions/index.js';
import type { ActionContext, ActionOutput, Plan, Resource, ScaffolderServices, TaskFacts, TemplateSource } from './types.js';

export type StepStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

/** One step's state, as stored on the task and shown in the API. */
export interface StepState {
  id: string;
  name: string;
  action: string;
  status: StepStatus;
  startedAt: string | null;
  finishedAt: string | null;
  output: ActionOutput | null;
  error: string | null;
}

export interface RunStepsInput {
  steps: TemplateStep[];
  output: TemplateOutput;
  /** States from an earlier attempt: succeeded and skipped steps are not run again. */
  states: StepState[];
  parameters: Record<string, unknown>;
  /** Secret values: visible to expressions as `secrets.x`, never recorded. */
  secrets: Record<string, unknown>;
  user: { ref: string; entity: unknown };
  workspace: string;
  template: TemplateSource;
  task: TaskFacts;
  services: ScaffolderServices;
  dryRun: boolean;
  signal: AbortSignal;
  resources: Resource[];
  plan: Plan;
  log(stepId: string | null, message: string, level?: 'info' | 'error'): void;
  /** Persists step states and resources as they change (no-op for a dry run). */
  save(states: StepState[], resources: Resource[]): Promise<void>;
}

export interface RunStepsResult {
  ok: boolean;
  states: StepState[];
  /** The failed step's id and why, when not ok. */
  failure: { stepId: string; message: string } | null;
  /** The error the failed step threw (not shown; callers rethrow permission errors as they are). */
  cause?: unknown;
  output: { links: Array<Record<string, unknown>>; text: Array<Record<string, unknown>> } | null;
  /** Each step's evaluated input (dry runs show them). */
  inputs: Record<string, unknown>;
}

/** A step's own error message, prefixed with where in the template it comes from. */
function describeError(e: unknown, where: string): string {
  if (e instanceof RenderError) return `${where}: ${e.message}${e.line !== null ? ` (line ${e.line}, column ${e.column ?? 1} of the expression)` : ''}`;
  const msg = e instanceof Error ? e.message : String(e);
  return msg.startsWith('input.') ? `${where}.${msg}` : `${where}: ${msg}`;
}

function truthy(v: unknown): boolean {
  if (typeof v === 'string') return v !== '' && v.toLowerCase() !== 'false';
  return Boolean(v);
}

/**
 * Runs a template's steps in order: evaluates `if`, `each` and `input` against the parameters and the
 * outputs of earlier steps, runs the action, and records the state of each step as it goes. Stops at the
 * first failure (or cancellation) and says which step and why. Used both for real runs and dry runs.
 */
export async function runSteps(r: RunStepsInput): Promise<RunStepsResult> {
  const states: StepState[] = r.steps.map((s, i) => {
    const prior = r.states[i];
    return prior && prior.id === s.id
      ? { ...prior }
      : { id: s.id, name: s.name, action: s.action, status: 'pending', startedAt: null, finishedAt: null, output: null, error: null };
  });
  const outputs: Record<string, { output: ActionOutput }> = {};
  const inputs: Record<string, unknown> = {};
  const base: RenderContext = { parameters: r.parameters, secrets: r.secrets, user: r.user, steps: outputs };
  const now = () => new Date().toISOString();

  for (const [i, step] of r.steps.entries()) {
    const state = states[i]!;
    if (state.status === 'succeeded' || state.status === 'skipped') {
      outputs[step.id] = { output: state.output ?? {} };
      continue;
    }
    const where = `steps[${i}] (${step.id})`;
    if (r.signal.aborted) {
      state.status = 'cancelled';
      await r.save(states, r.resources);
      return { ok: false, states, failure: { stepId: step.id, message: 'the task was cancelled' }, output: null, inputs };
    }
    state.status = 'running';
    state.startedAt = now();
    state.error = null;
    await r.save(states, r.resources);
    try {
      if (step.if !== undefined && !truthy(evaluate(step.if, base))) {
        state.status = 'skipped';
        state.finishedAt = now();
        outputs[step.id] = { output: {} };
        r.log(step.id, `skipped: its "if" is false`);
        await r.save(states, r.resources);
        continue;
      }
      const action = Object.hasOwn(ACTIONS, step.action) ? ACTIONS[step.action as keyof typeof ACTIONS] : undefined;
      if (!action) throw new Error(`action: expected an action Gantry runs, found ${JSON.stringify(step.action)}`);
      r.log(step.id, `${step.name} (${step.action})`);
      let iterations: Array<{ key: string; value: unknown } | null> = [null];
      if (step.each !== undefined) {
        const each = evaluate(step.each, base);
        if (Array.isArray(each)) iterations = each.map((value, k) => ({ key: String(k), value }));
        else if (each !== null && typeof each === 'object') iterations = Object.entries(each).map(([key, value]) => ({ key, value }));
        else throw new Error(`each: expected a list or a mapping, found ${each === undefined ? 'nothing' : typeof each}`);
      }
      const perIteration: ActionOutput[] = [];
      for (const it of iterations) {
        const ctxValues = it ? { ...base, each: it } : base;
        const input = evaluate(step.input, ctxValues) as Record<string, unknown>;
        inputs[step.id] = step.each !== undefined ? [...((inputs[step.id] as unknown[] | undefined) ?? []), input] : input;
        const actx: ActionContext = {
          stepId: step.id,
          input,
          workspace: r.workspace,
          template: r.template,
          task: r.task,
          services: r.services,
          dryRun: r.dryRun,
          signal: r.signal,
          log: (m) => r.log(step.id, m),
          resources: r.resources,
          addResource: async (res) => {
            r.resources.push({ ...res, stepId: step.id });
            await r.save(states, r.resources);
          },
          plan: r.plan,
        };
        perIteration.push(await action.run(actx));
      }
      let output: ActionOutput;
      if (step.each === undefined) output = perIteration[0] ?? {};
      else {
        // With `each`, every output key holds the list of the iterations' values.
        output = {};
        for (const o of perIteration) for (const [k, v] of Object.entries(o)) ((output[k] ??= []) as unknown[]).push(v);
      }
      state.status = 'succeeded';
      state.output = output;
      state.finishedAt = now();
      outputs[step.id] = { output };
      await r.save(states, r.resources);
    } catch (e) {
      const cancelled = r.signal.aborted;
      state.status = cancelled ? 'cancelled' : 'failed';
      state.finishedAt = now();
      state.error = cancelled ? 'cancelled' : describeError(e, where);
      r.log(step.id, cancelled ? 'cancelled' : state.error, 'error');
      await r.save(states, r.resources);
      return { ok: false, states, failure: { stepId: step.id, message: cancelled ? 'the task was cancelled' : state.error }, cause: e, output: null, inputs };
    }
  }
  let output: RunStepsResult['output'];
  try {
    output = {
      links: r.output.links.map((l) => evaluate(l, base) as Record<string, unknown>),
      text: r.output.text.map((t) => evaluate(t, base) as Record<string, unknown>),
    };
  } catch (e) {
    return { ok: false, states, failure: { stepId: 'output', message: describeError(e, 'output') }, output: null, inputs };
  }
  return { ok: true, states, failure: null, output, inputs };
}
