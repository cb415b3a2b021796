import { createHash } from 'node:crypto';
import { checkSyntax, RenderError } from './render.js';

/**
 * The Template model: what the scaffolder reads from a `scaffolder.backstage.io/v1beta3` Template entity, and
 * the checks that run when a template is loaded into the catalog (unsupported actions, template syntax,
 * references to steps that do not exist), so a broken template is reported by its location, with file:line,
 * before anyone tries to run it.
 */

/** The actions Gantry runs. A template naming any other is refused when it is loaded. */
export const SUPPORTED_ACTIONS = [
  'fetch:template',
  'fetch:plain',
  'fs:rename',
  'fs:delete',
  'debug:log',
  'publish:git',
  'publish:github',
  'publish:gitlab',
  'catalog:register',
] as const;
export type ActionId = (typeof SUPPORTED_ACTIONS)[number];

/** Annotation naming a template's version; without it the version is a hash of the template's content. */
export const VERSION_ANNOTATION = 'gantry.dev/template-version';

/** A JSON Schema object as templates write their parameter pages. */
export type JsonSchema = Record<string, unknown>;

export interface TemplateStep {
  id: string;
  name: string;
  action: string;
  input: Record<string, unknown>;
  if?: unknown;
  each?: unknown;
}

export interface TemplateOutput {
  links: Array<Record<string, unknown>>;
  text: Array<Record<string, unknown>>;
}

export interface TemplateSpec {
  type: string;
  owner: string | null;
  /** The parameter pages, each a JSON Schema object (one page when the template wrote a single schema). */
  parameters: JsonSchema[];
  steps: TemplateStep[];
  output: TemplateOutput;
}

/** One problem in a template, at a path inside its `spec` (the catalog adds `spec` and finds the line). */
export interface TemplateFinding {
  code: string;
  at: Array<string | number>;
  message: string;
  severity: 'error' | 'warning';
  on?: 'value' | 'key' | 'parent';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Reads the spec of a Template entity that passed the catalog's checks; missing optional parts become empty. */
export function readTemplateSpec(spec: Record<string, unknown>): TemplateSpec {
  const params = spec.parameters;
  const pages = Array.isArray(params) ? params.filter(isRecord) : isRecord(params) ? [params] : [];
  const steps = Array.isArray(spec.steps) ? spec.steps.filter(isRecord) : [];
  const output = isRecord(spec.output) ? spec.output : {};
  return {
    type: typeof spec.type === 'string' ? spec.type : '',
    owner: typeof spec.owner === 'string' ? spec.owner : null,
    parameters: pages,
    steps: steps.map((s, i) => ({
      id: typeof s.id === 'string' && s.id ? s.id : `step-${i + 1}`,
      name: typeof s.name === 'string' && s.name ? s.name : typeof s.action === 'string' ? s.action : `step ${i + 1}`,
      action: typeof s.action === 'string' ? s.action : '',
      input: isRecord(s.input) ? s.input : {},
      ...(s.if !== undefined ? { if: s.if } : {}),
      ...(s.each !== undefined ? { each: s.each } : {}),
    })),
    output: {
      links: Array.isArray(output.links) ? output.links.filter(isRecord) : [],
      text: Array.isArray(output.text) ? output.text.filter(isRecord) : [],
    },
  };
}

/** The template's version: its `gantry.dev/template-version` annotation, else `sha-` and 12 hex of its content. */
export function templateVersion(entity: { metadata: { annotations?: Record<string, string> }; spec?: unknown }): string {
  const declared = entity.metadata.annotations?.[VERSION_ANNOTATION];
  if (typeof declared === 'string' && declared.trim() !== '') return declared.trim();
  return `sha-${createHash('sha256').update(stableJson(entity.spec ?? null)).digest('hex').slice(0, 12)}`;
}

/** JSON with sorted keys, so equal content hashes equally (the model stays free of the store). */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (isRecord(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** Every string in a value, with its path, for syntax checks. */
function* stringsIn(value: unknown, at: Array<string | number>): Generator<{ text: string; at: Array<string | number> }> {
  if (typeof value === 'string') yield { text: value, at };
  else if (Array.isArray(value)) for (let i = 0; i < value.length; i++) yield* stringsIn(value[i], [...at, i]);
  else if (isRecord(value)) for (const [k, v] of Object.entries(value)) yield* stringsIn(v, [...at, k]);
}

const STEP_REF = /steps(?:\[\s*['"]([^'"]+)['"]\s*\]|\.([A-Za-z_$][\w$-]*))/g;

function syntaxFinding(e: unknown, text: string, at: Array<string | number>): TemplateFinding {
  const where = e instanceof RenderError && e.line !== null ? ` (line ${e.line}, column ${e.column ?? 1} of the expression)` : '';
  const shown = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return {
    code: 'template_syntax',
    at,
    message: `expected valid template syntax in ${JSON.stringify(shown)}, found an error${where}: ${(e as Error).message}`,
    severity: 'error',
  };
}

/** Is a skeleton `url` a path inside the template's own source (what Gantry can read)? */
export function isLocalSkeletonUrl(url: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('/') || url.startsWith('\\')) return false;
  return !url.split(/[\\/]/).includes('..');
}

/**
 * Checks a Template spec beyond its shape: every action is one Gantry runs, every templated string parses,
 * step ids are unique, a step refers only to steps before it, and skeleton URLs stay inside the template's source.
 */
export function checkTemplateSpec(spec: Record<string, unknown>): TemplateFinding[] {
  const out: TemplateFinding[] = [];
  const steps = Array.isArray(spec.steps) ? spec.steps : [];
  const seen = new Set<string>();
  steps.forEach((raw, i) => {
    if (!isRecord(raw)) return;
    const at = ['steps', i];
    const id = typeof raw.id === 'string' && raw.id ? raw.id : `step-${i + 1}`;
    if (seen.has(id)) {
      out.push({ code: 'duplicate_step', at: [...at, 'id'], message: `expected a step id used once, found ${JSON.stringify(id)} again`, severity: 'error' });
    }
    const action = raw.action;
    if (typeof action === 'string' && action && !(SUPPORTED_ACTIONS as readonly string[]).includes(action)) {
      out.push({
        code: 'unsupported_action',
        at: [...at, 'action'],
        message: `expected an action Gantry runs (${SUPPORTED_ACTIONS.join(', ')}), found ${JSON.stringify(action)}`,
        severity: 'error',
      });
    }
    for (const key of ['input', 'if', 'each'] as const) {
      for (const s of stringsIn(raw[key], [...at, key])) {
        try {
          checkSyntax(s.text);
        } catch (e) {
          out.push(syntaxFinding(e, s.text, s.at));
          continue;
        }
        for (const m of s.text.matchAll(STEP_REF)) {
          const ref = m[1] ?? m[2]!;
          if (!seen.has(ref)) {
            const why = ref === id ? 'the step itself' : steps.some((st) => isRecord(st) && st.id === ref) ? 'a later step' : 'no step';
            out.push({
              code: 'unknown_step',
              at: s.at,
              message: `expected a reference to an earlier step's output, found steps.${ref}, which is ${why}`,
              severity: 'error',
            });
          }
        }
      }
    }
    if ((action === 'fetch:template' || action === 'fetch:plain') && isRecord(raw.input)) {
      const url = raw.input.url;
      if (typeof url !== 'string' || url === '') {
        out.push({ code: 'missing_field', at: [...at, 'input', 'url'], message: 'expected the skeleton folder, such as ./skeleton, found nothing', severity: 'error', on: 'parent' });
      } else if (!url.includes('${{') && !isLocalSkeletonUrl(url)) {
        out.push({
          code: 'unsupported_url',
          at: [...at, 'input', 'url'],
          message: `expected a relative path inside the template's source (such as ./skeleton), found ${JSON.stringify(url)}; remote skeletons are not fetched`,
          severity: 'error',
        });
      }
    }
    seen.add(id);
  });
  const output = isRecord(spec.output) ? spec.output : undefined;
  if (output) {
    for (const s of stringsIn(output, ['output'])) {
      try {
        checkSyntax(s.text);
      } catch (e) {
        out.push(syntaxFinding(e, s.text, s.at));
      }
    }
  }
  const params = Array.isArray(spec.parameters) ? spec.parameters : isRecord(spec.parameters) ? [spec.parameters] : [];
  params.forEach((page, i) => {
    if (!isRecord(page)) return;
    const at = Array.isArray(spec.parameters) ? ['parameters', i] : ['parameters'];
    const props = isRecord(page.properties) ? page.properties : {};
    if (Array.isArray(page.required)) {
      page.required.forEach((name, j) => {
        if (typeof name === 'string' && !(name in props)) {
          out.push({
            code: 'unknown_parameter',
            at: [...at, 'required', j],
            message: `expected the name of a property on this page, found ${JSON.stringify(name)}`,
            severity: 'warning',
          });
        }
      });
    }
  });
  return out;
}
