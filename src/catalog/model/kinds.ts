import { checkWindow } from '../../environments/model/freeze.js';
import { checkTemplateSpec } from '../../golden-paths/model/template.js';
import { checkPolicySpec } from '../../policy/model/checkPolicy.js';
import { isRecord } from './entity.js';
import { describeValue, type FindingList, type Segment } from './finding.js';
import { parseRefValue, refFieldsOf } from './relationsOf.js';
import { DURATION_EXPECTED, parseDurationMs } from './validators.js';

/** How one spec field is checked. `required: 'warn'` reports a missing field as a warning only. */
type FieldRule = { required?: boolean | 'warn' } & (
  | { type: 'string' }
  | { type: 'ref' }
  | { type: 'refs' }
  | { type: 'strings' }
  | { type: 'object' }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'number' }
  | { type: 'count' }
  | { type: 'duration' }
  | { type: 'custom'; check: (value: unknown, at: Segment[], out: FindingList) => void }
);

export interface KindSpec {
  kind: string;
  apiVersions: string[];
  fields: Record<string, FieldRule>;
  /** Our own kinds are closed: an unexpected spec key is most likely a typo, reported as a warning. */
  closed?: boolean;
  /** Checks across fields, run after the field rules. */
  check?: (spec: Record<string, unknown>, out: FindingList) => void;
}

const BACKSTAGE = ['backstage.io/v1alpha1', 'backstage.io/v1beta1'];

/** Backstage's placeholder processors resolve `$text: ./openapi.yaml` and friends before validation. */
const PLACEHOLDERS = ['$text', '$json', '$yaml', '$openapi', '$asyncapi'];

function checkApiDefinition(value: unknown, at: Segment[], out: FindingList): void {
  if (typeof value === 'string' && value.length > 0) return;
  if (isRecord(value)) {
    const keys = Object.keys(value);
    const key = keys[0];
    if (keys.length === 1 && key && PLACEHOLDERS.includes(key) && typeof value[key] === 'string') return;
  }
  out.error(
    'wrong_type',
    at,
    `expected the API definition as a non-empty string, or a placeholder such as { $text: ./openapi.yaml }, found ${describeValue(value)}`,
  );
}

function checkTemplateParameters(value: unknown, at: Segment[], out: FindingList): void {
  if (isRecord(value)) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (!isRecord(item)) out.error('wrong_type', [...at, i], `expected a JSON Schema mapping, found ${describeValue(item)}`);
    });
    return;
  }
  out.error('wrong_type', at, `expected a JSON Schema mapping or a list of them, found ${describeValue(value)}`);
}

function checkTemplateSteps(value: unknown, at: Segment[], out: FindingList): void {
  if (!Array.isArray(value)) {
    out.error('wrong_type', at, `expected a list of steps, found ${describeValue(value)}`);
    return;
  }
  value.forEach((step, i) => {
    const stepAt = [...at, i];
    if (!isRecord(step)) {
      out.error('wrong_type', stepAt, `expected a step mapping with an action, found ${describeValue(step)}`);
      return;
    }
    if (step.action === undefined) {
      out.error('missing_field', [...stepAt, 'action'], 'expected the name of the action to run, found nothing', 'parent');
    } else if (typeof step.action !== 'string' || step.action.length === 0) {
      out.error('wrong_type', [...stepAt, 'action'], `expected an action name such as "fetch:template", found ${describeValue(step.action)}`);
    }
    for (const key of ['id', 'name'] as const) {
      if (step[key] !== undefined && typeof step[key] !== 'string') {
        out.error('wrong_type', [...stepAt, key], `expected a string, found ${describeValue(step[key])}`);
      }
    }
    if (step.input !== undefined && !isRecord(step.input)) {
      out.error('wrong_type', [...stepAt, 'input'], `expected a mapping, found ${describeValue(step.input)}`);
    }
  });
}

function checkFreezeWindows(value: unknown, at: Segment[], out: FindingList): void {
  if (!Array.isArray(value)) {
    out.error('wrong_type', at, `expected a list of { start, end, reason? }, found ${describeValue(value)}`);
    return;
  }
  value.forEach((win, i) => {
    const winAt = [...at, i];
    if (!isRecord(win)) {
      out.error('wrong_type', winAt, `expected a mapping { start, end, reason? }, found ${describeValue(win)}`);
      return;
    }
    for (const key of ['start', 'end'] as const) {
      if (win[key] === undefined) {
        out.error('missing_field', [...winAt, key], `expected the window's ${key} (an ISO time, or a weekly day and UTC time such as "Fri 16:00"), found nothing`, 'parent');
      } else if (typeof win[key] !== 'string' || win[key].length === 0) {
        out.error('wrong_type', [...winAt, key], `expected an ISO time or a weekly day and UTC time such as "Fri 16:00", found ${describeValue(win[key])}`);
      }
    }
    if (typeof win.start === 'string' && typeof win.end === 'string' && win.start && win.end) {
      for (const f of checkWindow({ start: win.start, end: win.end })) out.error('invalid_value', [...winAt, f.field], f.message);
    }
    if (win.reason !== undefined && typeof win.reason !== 'string') {
      out.error('wrong_type', [...winAt, 'reason'], `expected a string, found ${describeValue(win.reason)}`);
    }
    for (const key of Object.keys(win)) {
      if (!['start', 'end', 'reason'].includes(key)) {
        out.warn('unknown_field', [...winAt, key], 'expected only start, end and reason; this key is ignored', 'key');
      }
    }
  });
}

function checkLocationTargets(spec: Record<string, unknown>, out: FindingList): void {
  if (spec.target === undefined && spec.targets === undefined) {
    out.error('missing_field', ['spec', 'target'], 'expected spec.target or spec.targets, found neither', 'parent');
  }
}

const KIND_SPECS: readonly KindSpec[] = [
  {
    kind: 'Component',
    apiVersions: BACKSTAGE,
    fields: {
      type: { type: 'string', required: true },
      lifecycle: { type: 'string', required: true },
      owner: { type: 'ref', required: true },
      system: { type: 'ref' },
      subcomponentOf: { type: 'ref' },
      providesApis: { type: 'refs' },
      consumesApis: { type: 'refs' },
      dependsOn: { type: 'refs' },
      dependencyOf: { type: 'refs' },
    },
  },
  {
    kind: 'API',
    apiVersions: BACKSTAGE,
    fields: {
      type: { type: 'string', required: true },
      lifecycle: { type: 'string', required: true },
      owner: { type: 'ref', required: true },
      definition: { type: 'custom', required: true, check: checkApiDefinition },
      system: { type: 'ref' },
    },
  },
  {
    kind: 'Resource',
    apiVersions: BACKSTAGE,
    fields: {
      type: { type: 'string', required: true },
      owner: { type: 'ref', required: true },
      system: { type: 'ref' },
      dependsOn: { type: 'refs' },
      dependencyOf: { type: 'refs' },
    },
  },
  {
    kind: 'System',
    apiVersions: BACKSTAGE,
    fields: { owner: { type: 'ref', required: true }, domain: { type: 'ref' }, type: { type: 'string' } },
  },
  {
    kind: 'Domain',
    apiVersions: BACKSTAGE,
    fields: { owner: { type: 'ref', required: true }, subdomainOf: { type: 'ref' }, type: { type: 'string' } },
  },
  {
    kind: 'Group',
    apiVersions: BACKSTAGE,
    fields: {
      type: { type: 'string', required: true },
      children: { type: 'refs', required: true },
      parent: { type: 'ref' },
      members: { type: 'refs' },
      profile: { type: 'object' },
    },
  },
  {
    // Backstage's schema requires memberOf but its type says optional (backstage/backstage#10205); an
    // absent list is reported as a warning so such users still import.
    kind: 'User',
    apiVersions: BACKSTAGE,
    fields: { memberOf: { type: 'refs', required: 'warn' }, profile: { type: 'object' } },
  },
  {
    kind: 'Location',
    apiVersions: BACKSTAGE,
    fields: { type: { type: 'string' }, target: { type: 'string' }, targets: { type: 'strings' } },
    check: checkLocationTargets,
  },
  {
    kind: 'Template',
    apiVersions: ['scaffolder.backstage.io/v1beta3'],
    fields: {
      type: { type: 'string', required: true },
      steps: { type: 'custom', required: true, check: checkTemplateSteps },
      parameters: { type: 'custom', check: checkTemplateParameters },
      owner: { type: 'ref' },
      output: { type: 'object' },
    },
    // Actions, template syntax and step references: a broken template is refused when it is loaded.
    check: (spec, out) => {
      for (const f of checkTemplateSpec(spec)) out.items.push({ ...f, at: ['spec', ...f.at], on: f.on ?? 'value' });
    },
  },
  {
    // Policies loaded from the catalog: shape and every CEL expression checked, so a broken policy is refused when it is loaded.
    kind: 'Policy',
    apiVersions: ['gantry.dev/v1alpha1'],
    fields: {},
    check: (spec, out) => {
      for (const f of checkPolicySpec(spec)) {
        out.items.push({ code: f.code, at: ['spec', ...f.at], message: f.message, severity: f.severity, on: f.on ?? 'value' });
      }
    },
  },
  {
    kind: 'Environment',
    apiVersions: ['gantry.dev/v1alpha1'],
    closed: true,
    fields: {
      type: { type: 'enum', values: ['development', 'staging', 'production', 'preview'], required: true },
      owner: { type: 'ref', required: true },
      driver: { type: 'enum', values: ['local', 'kubernetes'] },
      order: { type: 'number' },
      requiredApprovals: { type: 'count' },
      ttl: { type: 'duration' },
      freezeWindows: { type: 'custom', check: checkFreezeWindows },
      settings: { type: 'object' },
    },
  },
];

/** The apiVersion/kind pairs Gantry understands; any other pair is rejected with `unknown_kind`. */
export const KNOWN_KINDS: ReadonlyArray<{ apiVersions: string[]; kind: string }> = KIND_SPECS.map((k) => ({
  apiVersions: [...k.apiVersions],
  kind: k.kind,
}));

/** The spec rules for a kind, matched case-sensitively as Backstage's schemas do. */
export function kindSpecOf(kind: string): KindSpec | undefined {
  return KIND_SPECS.find((k) => k.kind === kind);
}

/** A known kind written with other letter case (`component` for `Component`), for a helpful message. */
export function kindSpelledDifferently(kind: string): string | undefined {
  return KIND_SPECS.find((k) => k.kind.toLowerCase() === kind.toLowerCase() && k.kind !== kind)?.kind;
}

function requiredText(spec: KindSpec): string {
  const names = Object.entries(spec.fields)
    .filter(([, r]) => r.required === true)
    .map(([n]) => n);
  return names.length ? `a mapping with ${names.join(', ')}` : 'a mapping';
}

/**
 * Checks `spec` against its kind's rules: required fields, types, enum values, and that every ref parses
 * with the kind's defaulting rules. `namespace` is the entity's own (refs default to it).
 */
export function checkSpec(spec: KindSpec, value: unknown, namespace: string, out: FindingList): void {
  if (value === undefined) {
    out.error('missing_field', ['spec'], `expected ${requiredText(spec)}, found nothing`, 'parent');
    return;
  }
  if (!isRecord(value)) {
    out.error('wrong_type', ['spec'], `expected ${requiredText(spec)}, found ${describeValue(value)}`);
    return;
  }
  const refFields = refFieldsOf(spec.kind);
  const wrong = (at: Segment[], expected: string, v: unknown): void =>
    out.error('wrong_type', at, `expected ${expected}, found ${describeValue(v)}`);
  const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

  for (const [field, rule] of Object.entries(spec.fields)) {
    const at: Segment[] = ['spec', field];
    const v = value[field];
    if (v === undefined) {
      if (rule.required === true) {
        out.error('missing_field', at, `expected a value (required for kind ${spec.kind}), found nothing`, 'parent');
      } else if (rule.required === 'warn') {
        const why = `Backstage requires it for kind ${spec.kind}; Gantry treats it as empty`;
        out.warn('missing_field', at, `expected a value (${why}), found nothing`, 'parent');
      }
      continue;
    }
    const rf = refFields.find((r) => r.field === field);
    switch (rule.type) {
      case 'string':
        if (!isText(v)) wrong(at, 'a non-empty string', v);
        break;
      case 'ref':
        if (!isText(v)) wrong(at, 'an entity ref string', v);
        else if (rf) parseRefValue(v, at, rf, namespace, out);
        break;
      case 'refs':
      case 'strings':
        if (!Array.isArray(v)) {
          wrong(at, rule.type === 'refs' ? 'a list of entity refs' : 'a list of strings', v);
          break;
        }
        v.forEach((item, i) => {
          if (!isText(item)) wrong([...at, i], 'a non-empty string', item);
          else if (rule.type === 'refs' && rf) parseRefValue(item, [...at, i], rf, namespace, out);
        });
        break;
      case 'object':
        if (!isRecord(v)) wrong(at, 'a mapping', v);
        break;
      case 'enum':
        if (typeof v !== 'string' || !rule.values.includes(v)) wrong(at, `one of ${rule.values.join(', ')}`, v);
        break;
      case 'number':
        if (typeof v !== 'number' || !Number.isFinite(v)) wrong(at, 'a number', v);
        break;
      case 'count':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) wrong(at, 'a whole number of 0 or more', v);
        break;
      case 'duration':
        if (typeof v !== 'string' || parseDurationMs(v) === undefined) wrong(at, DURATION_EXPECTED, v);
        break;
      case 'custom':
        rule.check(v, at, out);
        break;
    }
  }
  if (spec.closed) {
    const known = Object.keys(spec.fields).join(', ');
    for (const key of Object.keys(value)) {
      if (!(key in spec.fields)) {
        out.warn('unknown_field', ['spec', key], `expected one of ${known}; this key is kept but has no meaning to Gantry`, 'key');
      }
    }
  }
  spec.check?.(value, out);
}
