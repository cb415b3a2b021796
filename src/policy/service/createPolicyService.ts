import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { authorize, type Principal } from '../../auth/authorize.js';
import type { Catalog, CatalogAdmission, EntityFacts, EntityVerdict } from '../../catalog/index.js';
import { ConflictError, InputError, NotAllowedError, NotFoundError } from '../../core/errors.js';
import type { Database, Store } from '../../store/index.js';
import { createPolicyEngine, matches, type PolicyEngine } from '../engine/engine.js';
import { packOf } from '../model/parsePolicies.js';
import type { AdmissionInput, Decision, DecisionResult, Policy, PolicyMode } from '../model/types.js';
import { builtInPolicies } from '../packs/builtIn.js';
import { subjectOf } from './subjects.js';
import type { ExemptionStatus, PolicyDecisionTable, PolicyExemptionTable, PolicyTables } from './tables.js';

/** A validation reason that means "not yet": the action waits for approvals instead of being refused. */
export const NEEDS_APPROVAL = 'NeedsApproval';
/** Exemptions last at most this long; a longer waiver is a policy change, not an exemption. */
export const MAX_EXEMPTION_DAYS = 365;

export interface ListedPolicy {
  policy: Policy;
  /** `built-in` or the catalog entity ref it comes from. */
  source: string;
}

export type RecordedResult = DecisionResult | 'exempt';

export interface RecordedDecision extends Omit<Decision, 'result'> {
  id: string;
  time: string;
  actor: string;
  result: RecordedResult;
  environment: string | null;
  /** The exemption that waived a denial or warning. */
  exemption: string | null;
  evidence: Record<string, unknown>;
}

export interface RecordedAdmission {
  allowed: boolean;
  /** Enforce-mode denials no exemption waived. */
  denials: RecordedDecision[];
  warnings: RecordedDecision[];
  decisions: RecordedDecision[];
}

export interface AdmitOptions {
  /** What the admission point looked at (ids of the deployment, run, approvals), kept with each decision. */
  evidence?: Record<string, unknown>;
  environment?: string;
  /** `all` (default) stores every decision; `not-allowed` only denials, warnings, audits and exemptions. */
  record?: 'all' | 'not-allowed' | 'none';
  /** Reads and writes in this transaction (the catalog's ingestion); otherwise the store's own. */
  db?: Kysely<Database>;
  /** Records an input's decisions only when this says so (a refusal the caller will decide again is not). */
  recordIf?: (a: RecordedAdmission) => boolean;
}

export interface ExemptionView {
  id: string;
  subject: string;
  policy: string;
  reason: string;
  /** requested, active (approved and not expired), expired, rejected, revoked. */
  status: 'requested' | 'active' | 'expired' | 'rejected' | 'revoked';
  requestedBy: string;
  requestedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  expiresAt: string;
}

export interface DecisionQuery {
  policy?: string;
  subject?: string;
  action?: string;
  result?: string;
  limit?: number;
  /** Decisions older than this decision id's time (paging). */
  before?: string;
}

export interface ComplianceRow {
  component: string;
  owner: string | null;
  policy: string;
  pack: string | null;
  mode: string;
  action: string;
  environment: string | null;
  status: 'pass' | 'fail' | 'exempt' | 'not-evaluated';
  messages: string[];
  decidedAt: string | null;
  /** What the status rests on: the decision (and its run, deployment, approvals) or the exemption. */
  evidence: Record<string, unknown>;
}

export interface ComplianceSummary {
  pass: number;
  fail: number;
  exempt: number;
  notEvaluated: number;
}

export interface ComplianceReport {
  generatedAt: string;
  scope: { team: string | null; component: string | null };
  summary: ComplianceSummary;
  teams: Array<{ team: string; summary: ComplianceSummary }>;
  components: Array<{ component: string; owner: string | null; summary: ComplianceSummary }>;
  rows: ComplianceRow[];
}

export interface PolicyService extends CatalogAdmission {
  /** The built-in packs (minus the disabled ones) and the catalog's Policy entities, by name. */
  policies(db?: Kysely<Database>): Promise<ListedPolicy[]>;
  /** Evaluates every matching policy, applies active exemptions and records the decisions. Never throws for a denial. */
  admit(action: string, input: AdmissionInput, opts?: AdmitOptions): Promise<RecordedAdmission>;
  /** `admit`, throwing {@link PolicyDeniedError} when an enforce-mode policy denies. */
  enforce(action: string, input: AdmissionInput, opts?: AdmitOptions): Promise<RecordedAdmission>;
  listDecisions(q?: DecisionQuery): Promise<{ items: RecordedDecision[]; nextCursor: string | null }>;
  requestExemption(p: Principal, input: { subject: string; policy: string; reason: string; expiresAt: string }): Promise<ExemptionView>;
  decideExemption(p: Principal, id: string, verdict: 'approve' | 'reject'): Promise<ExemptionView>;
  revokeExemption(p: Principal, id: string): Promise<ExemptionView>;
  listExemptions(q?: { subject?: string; policy?: string; status?: string }): Promise<ExemptionView[]>;
  compliance(q?: { team?: string; component?: string }): Promise<ComplianceReport>;
}

export interface PolicyServiceOptions {
  store: Store;
  /** The catalog, for Policy entities' owners and the compliance report; set after both exist. */
  catalog: () => Catalog;
  disabledPacks?: readonly string[];
  /** A different mode for built-in policies, by name; an unknown name is refused. */
  modes?: Readonly<Record<string, PolicyMode>>;
  engine?: PolicyEngine;
  now?: () => Date;
}

/** An admission an enforce-mode policy refused: 403 problem+json naming each policy and its messages. */
export class PolicyDeniedError extends NotAllowedError {}

export function policyDenied(action: string, subject: string, denials: RecordedDecision[]): PolicyDeniedError {
  const lines = denials.flatMap((d) => d.messages.map((m) => `${d.policy}: ${m}`));
  return new PolicyDeniedError(`${action} of ${subject} was refused by policy: ${lines.join('; ')}`, {
    problems: denials.flatMap((d) => d.messages.map((m) => ({ code: 'policy_denied', path: `policies.${d.policy}`, message: m, severity: 'error' as const }))),
    details: { decisions: denials.map((d) => ({ id: d.id, policy: d.policy, pack: d.pack ?? null, reason: d.reason ?? null, messages: d.messages })) },
  });
}

function emptySummary(): ComplianceSummary {
  return { pass: 0, fail: 0, exempt: 0, notEvaluated: 0 };
}

function count(s: ComplianceSummary, status: ComplianceRow['status']): void {
  if (status === 'pass') s.pass++;
  else if (status === 'fail') s.fail++;
  else if (status === 'exempt') s.exempt++;
  else s.notEvaluated++;
}

export function createPolicyService(opts: PolicyServiceOptions): PolicyService {
  const { store } = opts;
  const engine = opts.engine ?? createPolicyEngine();
  const now = opts.now ?? (() => new Date());
  const modes = opts.modes ?? {};
  const packs = builtInPolicies({ disabledPacks: opts.disabledPacks ?? [] });
  for (const name of Object.keys(modes)) {
    if (!packs.some((p) => p.metadata.name === name)) {
      throw new InputError(`policyModes: no built-in policy named "${name}" (enabled: ${packs.map((p) => p.metadata.name).join(', ')})`);
    }
  }
  const builtIn = packs.map((p) => (modes[p.metadata.name] ? { ...p, spec: { ...p.spec, mode: modes[p.metadata.name]! } } : p));
  const db = (q?: Kysely<Database>) => (q ?? store.db).withTables<PolicyTables>();

  async function policies(q?: Kysely<Database>): Promise<ListedPolicy[]> {
    const out: ListedPolicy[] = builtIn.map((policy) => ({ policy, source: 'built-in' }));
    const rows = await (q ?? store.db).selectFrom('entities').select(['ref', 'body']).where('kind', '=', 'policy').execute();
    for (const r of rows) out.push({ policy: JSON.parse(r.body) as Policy, source: r.ref });
    return out.sort((a, b) => a.policy.metadata.name.localeCompare(b.policy.metadata.name));
  }

  function exemptionView(r: PolicyExemptionTable, at = now()): ExemptionView {
    const status: ExemptionView['status'] =
      r.status === 'approved' ? (Date.parse(r.expires_at) > at.getTime() ? 'active' : 'expired') : r.status === 'requested' && Date.parse(r.expires_at) <= at.getTime() ? 'expired' : r.status;
    return {
      id: r.id,
      subject: r.subject,
      policy: r.policy,
      reason: r.reason,
      status,
      requestedBy: r.requested_by,
      requestedAt: r.requested_at,
      decidedBy: r.decided_by,
      decidedAt: r.decided_at,
      expiresAt: r.expires_at,
    };
  }

  /** Active exemptions of these subjects: policy name per subject. */
  async function activeExemptions(subjects: string[], q?: Kysely<Database>): Promise<Map<string, Map<string, PolicyExemptionTable>>> {
    const out = new Map<string, Map<string, PolicyExemptionTable>>();
    if (subjects.length === 0) return out;
    const rows = await db(q)
      .selectFrom('policy_exemptions')
      .selectAll()
      .where('subject', 'in', [...new Set(subjects)])
      .where('status', '=', 'approved')
      .where('expires_at', '>', now().toISOString())
      .execute();
    for (const r of rows) (out.get(r.subject) ?? out.set(r.subject, new Map()).get(r.subject)!).set(r.policy, r);
    return out;
  }

  function toRow(d: RecordedDecision): PolicyDecisionTable {
    return {
      id: d.id,
      time: d.time,
      action: d.action,
      subject: d.subject,
      policy: d.policy,
      pack: d.pack ?? null,
      mode: d.mode,
      result: d.result,
      messages: JSON.stringify(d.messages),
      reason: d.reason ?? null,
      input_digest: d.inputDigest,
      actor: d.actor,
      environment: d.environment,
      exemption_id: d.exemption,
      evidence: JSON.stringify(d.evidence),
    };
  }

  function fromRow(r: PolicyDecisionTable): RecordedDecision {
    return {
      id: r.id,
      time: r.time,
      action: r.action,
      subject: r.subject,
      policy: r.policy,
      ...(r.pack ? { pack: r.pack } : {}),
      mode: r.mode as Decision['mode'],
      result: r.result as RecordedResult,
      messages: JSON.parse(r.messages) as string[],
      ...(r.reason ? { reason: r.reason } : {}),
      inputDigest: r.input_digest,
      actor: r.actor,
      environment: r.environment,
      exemption: r.exemption_id,
      evidence: JSON.parse(r.evidence) as Record<string, unknown>,
    };
  }

  async function record(decisions: RecordedDecision[], q?: Kysely<Database>): Promise<void> {
    if (decisions.length === 0) return;
    const rows = decisions.map(toRow);
    // Multi-row inserts, well under either database's parameter limit (15 columns).
    for (let i = 0; i < rows.length; i += 500) await db(q).insertInto('policy_decisions').values(rows.slice(i, i + 500)).execute();
  }

  /** Decisions for many inputs at once (one exemption query, one insert). */
  async function admitMany(
    action: string,
    inputs: AdmissionInput[],
    o: AdmitOptions,
  ): Promise<RecordedAdmission[]> {
    const all = await policies(o.db);
    const list = all.map((l) => l.policy);
    const at = now();
    const time = at.toISOString();
    const exemptions = await activeExemptions(inputs.map((i) => i.subject.ref), o.db);
    const toStore: RecordedDecision[] = [];
    const out = inputs.map((input) => {
      const decisions = engine.evaluate(list, action, input, { now: at }).map((d): RecordedDecision => {
        const waived = d.result !== 'allow' ? exemptions.get(d.subject)?.get(d.policy) : undefined;
        return {
          ...d,
          id: `pd-${randomUUID()}`,
          time,
          actor: input.actor.ref,
          result: waived ? 'exempt' : d.result,
          environment: o.environment ?? null,
          exemption: waived?.id ?? null,
          evidence: o.evidence ?? {},
        };
      });
      const denials = decisions.filter((d) => d.result === 'deny');
      const admission: RecordedAdmission = { allowed: denials.length === 0, denials, warnings: decisions.filter((d) => d.result === 'warn'), decisions };
      const mode = o.recordIf && !o.recordIf(admission) ? 'none' : (o.record ?? 'all');
      if (mode === 'all') toStore.push(...decisions);
      else if (mode === 'not-allowed') toStore.push(...decisions.filter((d) => d.result !== 'allow'));
      return admission;
    });
    await record(toStore, o.db);
    return out;
  }

  async function admit(action: string, input: AdmissionInput, o: AdmitOptions = {}): Promise<RecordedAdmission> {
    return (await admitMany(action, [input], o))[0]!;
  }

  function entityInput(f: EntityFacts, actor: { ref: string; role: string; teams: string[] }): AdmissionInput {
    return {
      subject: subjectOf(f.ref, f.entity),
      actor,
      object: { entity: f.entity as unknown as Record<string, unknown>, ...(f.owner ? { owner: f.owner } : {}), relations: f.relations, resources: f.resources },
    };
  }

  async function exemptionRow(id: string): Promise<PolicyExemptionTable> {
    const r = await db().selectFrom('policy_exemptions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw new NotFoundError(`no exemption with id ${JSON.stringify(id)} (see gantry exemption list)`);
    return r;
  }

  async function ownerOfSubject(ref: string): Promise<string | null> {
    const e = await opts.catalog().getEntity(ref);
    return e.relations.find((r) => r.type === 'ownedBy')?.targetRef ?? null;
  }

  return {
    policies,
    admit,

    async enforce(action, input, o = {}) {
      const a = await admit(action, input, o);
      if (!a.allowed) throw policyDenied(action, input.subject.ref, a.denials);
      return a;
    },

    async admitEntities(tx, facts, ctx) {
      const actor = { ref: ctx.actor, role: 'service', teams: [] as string[] };
      const evidence = ctx.location ? { location: ctx.location } : {};
      // Allows are not stored for ingestion (a big location would add a row per entity and policy on every
      // refresh); the compliance report evaluates catalog policies against the stored entities instead.
      const admissions = await admitMany('catalog.entity', facts.map((f) => entityInput(f, actor)), {
        db: tx,
        evidence,
        record: 'not-allowed',
        // A refusal the catalog decides again at the end of the import is recorded then, once.
        ...(ctx.final === false ? { recordIf: (a: RecordedAdmission) => a.allowed } : {}),
      });
      const out = new Map<string, EntityVerdict>();
      facts.forEach((f, i) => {
        const a = admissions[i]!;
        out.set(f.ref, {
          refused: a.denials.flatMap((d) => d.messages.map((m) => `policy ${d.policy}: ${m}`)),
          warnings: a.warnings.flatMap((d) => d.messages.map((m) => `policy ${d.policy}: ${m}`)),
        });
      });
      return out;
    },

    async listDecisions(q = {}) {
      const limit = Math.min(Math.max(q.limit ?? 50, 1), 500);
      let query = db().selectFrom('policy_decisions').selectAll().orderBy('time', 'desc').orderBy('id', 'desc').limit(limit + 1);
      if (q.policy) query = query.where('policy', '=', q.policy);
      if (q.subject) query = query.where('subject', '=', q.subject);
      if (q.action) query = query.where('action', '=', q.action);
      if (q.result) query = query.where('result', '=', q.result);
      if (q.before) {
        const b = await db().selectFrom('policy_decisions').select(['time', 'id']).where('id', '=', q.before).executeTakeFirst();
        if (!b) throw new InputError(`before: no decision with id ${JSON.stringify(q.before)}`);
        query = query.where((eb) => eb.or([eb('time', '<', b.time), eb.and([eb('time', '=', b.time), eb('id', '<', b.id)])]));
      }
      const rows = await query.execute();
      const items = rows.slice(0, limit).map(fromRow);
      return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.id : null };
    },

    async requestExemption(p, input) {
      const reason = input.reason?.trim() ?? '';
      if (reason.length < 10) throw new InputError('reason: say why the policy should not apply (at least 10 characters)', { problems: [{ code: 'invalid_input', path: 'reason', message: 'expected a reason of at least 10 characters', severity: 'error' }] });
      const expires = Date.parse(input.expiresAt);
      const at = now();
      if (!Number.isFinite(expires)) throw new InputError(`expiresAt: expected an ISO 8601 time such as 2026-12-31T00:00:00Z, found ${JSON.stringify(input.expiresAt)}`);
      if (expires <= at.getTime()) throw new InputError(`expiresAt: ${input.expiresAt} is in the past; an exemption must expire in the future`);
      if (expires > at.getTime() + MAX_EXEMPTION_DAYS * 86_400_000) throw new InputError(`expiresAt: an exemption lasts at most ${MAX_EXEMPTION_DAYS} days; change the policy instead`);
      const known = (await policies()).find((l) => l.policy.metadata.name === input.policy);
      if (!known) throw new NotFoundError(`no policy named "${input.policy}" (see gantry policy list)`);
      let subject: string;
      try {
        subject = (await opts.catalog().getEntity(input.subject)).ref;
      } catch (e) {
        if (e instanceof NotFoundError) throw new NotFoundError(`subject: no entity ${input.subject} in the catalog`);
        throw e;
      }
      authorize(p, 'policy.exemption.request', { owner: await ownerOfSubject(subject) });
      const row: PolicyExemptionTable = {
        id: `ex-${randomUUID().slice(0, 8)}`,
        subject,
        policy: input.policy,
        reason,
        status: 'requested',
        requested_by: p.userRef,
        requested_at: at.toISOString(),
        decided_by: null,
        decided_at: null,
        expires_at: new Date(expires).toISOString(),
      };
      await store.transaction(async (tx) => {
        await tx.withTables<PolicyTables>().insertInto('policy_exemptions').values(row).execute();
        await store.events.append(tx, { actor: p.userRef, action: 'policy.exemption.requested', subject: `exemption:${row.id}`, payload: { subject, policy: row.policy, reason, expiresAt: row.expires_at } });
      });
      return exemptionView(row);
    },

    async decideExemption(p, id, verdict) {
      const r = await exemptionRow(id);
      const view = exemptionView(r);
      if (view.status !== 'requested') throw new ConflictError(`exemption ${id} is ${view.status}, not awaiting a decision`);
      authorize(p, 'policy.exemption.approve', { owner: await ownerOfSubject(r.subject).catch(() => null) });
      if (r.requested_by === p.userRef) throw new NotAllowedError('the person who asked for an exemption cannot decide it; another admin must');
      const status: ExemptionStatus = verdict === 'approve' ? 'approved' : 'rejected';
      const decidedAt = now().toISOString();
      await store.transaction(async (tx) => {
        const u = await tx
          .withTables<PolicyTables>()
          .updateTable('policy_exemptions')
          .set({ status, decided_by: p.userRef, decided_at: decidedAt })
          .where('id', '=', id)
          .where('status', '=', 'requested')
          .executeTakeFirst();
        if (Number(u.numUpdatedRows) !== 1) throw new ConflictError(`exemption ${id} was decided meanwhile`);
        await store.events.append(tx, { actor: p.userRef, action: `policy.exemption.${verdict === 'approve' ? 'approved' : 'rejected'}`, subject: `exemption:${id}`, payload: { subject: r.subject, policy: r.policy, expiresAt: r.expires_at } });
      });
      return exemptionView(await exemptionRow(id));
    },

    async revokeExemption(p, id) {
      const r = await exemptionRow(id);
      const view = exemptionView(r);
      if (view.status !== 'requested' && view.status !== 'active') throw new ConflictError(`exemption ${id} is ${view.status}; only a requested or active one can be revoked`);
      authorize(p, 'policy.exemption.revoke', { userRef: r.requested_by });
      await store.transaction(async (tx) => {
        await tx.withTables<PolicyTables>().updateTable('policy_exemptions').set({ status: 'revoked', decided_by: p.userRef, decided_at: now().toISOString() }).where('id', '=', id).execute();
        await store.events.append(tx, { actor: p.userRef, action: 'policy.exemption.revoked', subject: `exemption:${id}`, payload: { subject: r.subject, policy: r.policy } });
      });
      return exemptionView(await exemptionRow(id));
    },

    async listExemptions(q = {}) {
      let query = db().selectFrom('policy_exemptions').selectAll().orderBy('requested_at', 'desc').limit(1000);
      if (q.subject) query = query.where('subject', '=', q.subject);
      if (q.policy) query = query.where('policy', '=', q.policy);
      const at = now();
      const views = (await query.execute()).map((r) => exemptionView(r, at));
      return q.status ? views.filter((v) => v.status === q.status) : views;
    },

    async compliance(q = {}) {
      const catalog = opts.catalog();
      const team = q.team ? (q.team.includes(':') ? q.team.toLowerCase() : `group:default/${q.team.toLowerCase()}`) : null;
      const components: Array<{ ref: string; owner: string | null; entity: Record<string, unknown> }> = [];
      if (q.component) {
        const e = await catalog.getEntity(q.component.includes(':') ? q.component : `component:${q.component}`);
        if (e.kind.toLowerCase() !== 'component') throw new InputError(`component: expected a Component, found a ${e.kind} (${e.ref})`);
        components.push({ ref: e.ref, owner: e.relations.find((r) => r.type === 'ownedBy')?.targetRef ?? null, entity: e.entity });
      } else {
        let cursor: string | undefined;
        do {
          const page = await catalog.listEntities({ filter: [{ key: 'kind', values: ['component'] }], limit: 500, ...(cursor ? { cursor } : {}) });
          for (const e of page.items) {
            const owner = e.relations.find((r) => r.type === 'ownedBy')?.targetRef ?? null;
            if (!team || owner === team) components.push({ ref: e.ref, owner, entity: e.entity });
          }
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
      }
      const refs = components.map((c) => c.ref);
      const list = (await policies()).map((l) => l.policy);
      const at = now();
      const exemptions = await activeExemptions(refs);
      const facts = new Map((await catalog.entityFacts(refs)).map((f) => [f.ref, f]));
      // The newest stored decision per component, policy and environment (admission points other than ingestion).
      const latest = new Map<string, Map<string, RecordedDecision>>();
      for (let i = 0; i < refs.length; i += 500) {
        const rows = await db()
          .selectFrom('policy_decisions')
          .selectAll()
          .where('subject', 'in', refs.slice(i, i + 500))
          .where('action', '!=', 'catalog.entity')
          .orderBy('time', 'asc')
          .execute();
        for (const r of rows) {
          const key = `${r.subject}\u0000${r.policy}`;
          (latest.get(key) ?? latest.set(key, new Map()).get(key)!).set(r.environment ?? '', fromRow(r));
        }
      }
      const rows: ComplianceRow[] = [];
      const system = { ref: 'system:gantry', role: 'service', teams: [] as string[] };
      for (const c of components) {
        const subject = subjectOf(c.ref, c.entity);
        const f = facts.get(c.ref);
        const ingestion = f ? engine.evaluate(list, 'catalog.entity', entityInput(f, system), { now: at }) : [];
        for (const policy of list) {
          const name = policy.metadata.name;
          const waiver = exemptions.get(c.ref)?.get(name);
          const base = { component: c.ref, owner: c.owner, policy: name, pack: packOf(policy) ?? null, mode: policy.spec.mode };
          const status = (failed: boolean): ComplianceRow['status'] => (!failed ? 'pass' : waiver ? 'exempt' : 'fail');
          const waiverEvidence = waiver ? { exemption: { id: waiver.id, approvedBy: waiver.decided_by, expiresAt: waiver.expires_at, reason: waiver.reason } } : {};
          if (policy.spec.match.actions.includes('catalog.entity')) {
            const d = ingestion.find((x) => x.policy === name);
            if (!d) continue; // does not apply to this component
            const failed = d.result !== 'allow';
            rows.push({ ...base, action: 'catalog.entity', environment: null, status: status(failed), messages: d.messages, decidedAt: at.toISOString(), evidence: { evaluatedAt: at.toISOString(), entity: c.ref, inputDigest: d.inputDigest, ...(failed ? waiverEvidence : {}) } });
          }
          const others = policy.spec.match.actions.filter((a) => a !== 'catalog.entity');
          if (others.length === 0) continue;
          // Applies to this component at all? (environment fields are decided per deployment)
          const { environmentTypes: _t, environments: _e, ...subjectMatch } = policy.spec.match;
          if (!others.some((a) => matches({ ...subjectMatch, actions: [a.endsWith('.*') ? a.slice(0, -1) + 'create' : a] }, a.endsWith('.*') ? a.slice(0, -1) + 'create' : a, { subject, actor: system, object: {} }))) continue;
          const recorded = [...(latest.get(`${c.ref}\u0000${name}`)?.values() ?? [])];
          if (recorded.length === 0) {
            rows.push({ ...base, action: others.join(', '), environment: null, status: 'not-evaluated', messages: [], decidedAt: null, evidence: {} });
            continue;
          }
          for (const d of recorded) {
            const st: ComplianceRow['status'] = d.result === 'allow' ? 'pass' : d.result === 'exempt' ? 'exempt' : status(true);
            rows.push({ ...base, action: d.action, environment: d.environment, status: st, messages: d.messages, decidedAt: d.time, evidence: { decision: d.id, actor: d.actor, ...d.evidence, ...(st === 'exempt' ? { exemption: d.exemption ?? waiverEvidence.exemption?.id } : {}) } });
          }
        }
      }
      const summary = emptySummary();
      const byTeam = new Map<string, ComplianceSummary>();
      const byComponent = new Map<string, { component: string; owner: string | null; summary: ComplianceSummary }>();
      for (const c of components) byComponent.set(c.ref, { component: c.ref, owner: c.owner, summary: emptySummary() });
      for (const r of rows) {
        count(summary, r.status);
        count(byComponent.get(r.component)!.summary, r.status);
        const t = r.owner ?? '(no owner)';
        count(byTeam.get(t) ?? byTeam.set(t, emptySummary()).get(t)!, r.status);
      }
      return {
        generatedAt: at.toISOString(),
        scope: { team, component: q.component ? (components[0]?.ref ?? null) : null },
        summary,
        teams: [...byTeam].map(([t, s]) => ({ team: t, summary: s })).sort((a, b) => a.team.localeCompare(b.team)),
        components: [...byComponent.values()],
        rows,
      };
    },
  };
}

/** The report as CSV (RFC 4180), one row per component, control and environment. */
export function complianceCsv(report: ComplianceReport): string {
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const head = ['component', 'owner', 'policy', 'pack', 'mode', 'action', 'environment', 'status', 'messages', 'decided_at', 'evidence'];
  const lines = [head.join(',')];
  for (const r of report.rows) {
    lines.push([r.component, r.owner, r.policy, r.pack, r.mode, r.action, r.environment, r.status, r.messages.join('; '), r.decidedAt, r.evidence].map(cell).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
