import type { Problem } from '../../core/errors.js';
import { DEFAULT_NAMESPACE, isRecord, type Entity } from './entity.js';
import { describeValue, FindingList, toProblem, type Finding } from './finding.js';
import { checkSpec, kindSpecOf, kindSpelledDifferently, KNOWN_KINDS } from './kinds.js';
import {
  ENTITY_NAME_EXPECTED,
  isValidAnnotationKey,
  isValidEntityName,
  isValidLabelKey,
  isValidLabelValue,
  isValidNamespace,
  isValidTag,
  isValidUrl,
  KEY_EXPECTED,
  LABEL_VALUE_EXPECTED,
  NAMESPACE_EXPECTED,
  TAG_EXPECTED,
} from './validators.js';

const ENVELOPE = ['apiVersion', 'kind', 'metadata', 'spec'];
/** Backstage's envelope has these too, but the catalog computes them; a descriptor's copy is dropped. */
const COMPUTED = ['relations', 'status'];

function checkString(out: FindingList, value: unknown, at: string[], what = 'a string'): void {
  if (value !== undefined && typeof value !== 'string') out.error('wrong_type', at, `expected ${what}, found ${describeValue(value)}`);
}

function checkMetadata(metadata: unknown, out: FindingList): void {
  if (metadata === undefined) {
    out.error('missing_field', ['metadata'], 'expected a mapping with at least a name, found nothing', 'parent');
    return;
  }
  if (!isRecord(metadata)) {
    out.error('wrong_type', ['metadata'], `expected a mapping with at least a name, found ${describeValue(metadata)}`);
    return;
  }
  const { name, namespace, labels, annotations, tags, links } = metadata;
  if (name === undefined) {
    out.error('missing_field', ['metadata', 'name'], `expected ${ENTITY_NAME_EXPECTED}, found nothing`, 'parent');
  } else if (!isValidEntityName(name)) {
    const hint = typeof name === 'number' || typeof name === 'boolean' ? ' (quote it in YAML)' : '';
    out.error('invalid_name', ['metadata', 'name'], `expected ${ENTITY_NAME_EXPECTED}, found ${describeValue(name)}${hint}`);
  }
  if (namespace !== undefined && !isValidNamespace(namespace)) {
    out.error('invalid_namespace', ['metadata', 'namespace'], `expected ${NAMESPACE_EXPECTED}, found ${describeValue(namespace)}`);
  }
  checkString(out, metadata.title, ['metadata', 'title']);
  checkString(out, metadata.description, ['metadata', 'description']);
  checkString(out, metadata.uid, ['metadata', 'uid']);
  checkString(out, metadata.etag, ['metadata', 'etag']);

  if (labels !== undefined) {
    if (!isRecord(labels)) {
      out.error('wrong_type', ['metadata', 'labels'], `expected a mapping of label keys to values, found ${describeValue(labels)}`);
    } else {
      for (const [key, value] of Object.entries(labels)) {
        const at = ['metadata', 'labels', key];
        if (!isValidLabelKey(key)) out.error('invalid_label', at, `expected ${KEY_EXPECTED}, found ${describeValue(key)}`, 'key');
        if (typeof value !== 'string') {
          out.error('invalid_label', at, `expected a string value (quote it in YAML), found ${describeValue(value)}`);
        } else if (!isValidLabelValue(value)) {
          out.error('invalid_label', at, `expected ${LABEL_VALUE_EXPECTED}, found ${describeValue(value)}`);
        }
      }
    }
  }

  if (annotations !== undefined) {
    if (!isRecord(annotations)) {
      out.error('wrong_type', ['metadata', 'annotations'], `expected a mapping of annotation keys to string values, found ${describeValue(annotations)}`);
    } else {
      for (const [key, value] of Object.entries(annotations)) {
        const at = ['metadata', 'annotations', key];
        if (!isValidAnnotationKey(key)) out.error('invalid_annotation', at, `expected ${KEY_EXPECTED}, found ${describeValue(key)}`, 'key');
        if (typeof value !== 'string') {
          out.error('invalid_annotation', at, `expected a string value (quote it in YAML), found ${describeValue(value)}`);
        }
      }
    }
  }

  if (tags !== undefined) {
    if (!Array.isArray(tags)) {
      out.error('wrong_type', ['metadata', 'tags'], `expected a list of tags, found ${describeValue(tags)}`);
    } else {
      tags.forEach((tag, i) => {
        if (!isValidTag(tag)) out.error('invalid_tag', ['metadata', 'tags', i], `expected ${TAG_EXPECTED}, found ${describeValue(tag)}`);
      });
    }
  }

  if (links !== undefined) {
    if (!Array.isArray(links)) {
      out.error('wrong_type', ['metadata', 'links'], `expected a list of { url, title?, icon?, type? }, found ${describeValue(links)}`);
    } else {
      links.forEach((link, i) => checkLink(link, i, out));
    }
  }
}

function checkLink(link: unknown, i: number, out: FindingList): void {
  const at = ['metadata', 'links', i];
  if (!isRecord(link)) {
    out.error('invalid_link', at, `expected a mapping { url, title?, icon?, type? }, found ${describeValue(link)}`);
    return;
  }
  if (link.url === undefined) {
    out.error('missing_field', [...at, 'url'], 'expected an absolute URL, found nothing', 'parent');
  } else if (!isValidUrl(link.url)) {
    out.error('invalid_link', [...at, 'url'], `expected an absolute URL such as "https://example.com/docs", found ${describeValue(link.url)}`);
  }
  for (const key of ['title', 'type'] as const) {
    const v = link[key];
    if (v !== undefined && (typeof v !== 'string' || v.trim().length === 0)) {
      out.error('invalid_link', [...at, key], `expected a non-empty string, found ${describeValue(v)}`);
    }
  }
  if (link.icon !== undefined && !isValidEntityName(link.icon)) {
    out.error('invalid_link', [...at, 'icon'], `expected an icon key (${ENTITY_NAME_EXPECTED}), found ${describeValue(link.icon)}`);
  }
}

function knownKindsText(): string {
  return KNOWN_KINDS.map((k) => k.kind).join(', ');
}

/**
 * Checks a raw document (already parsed from YAML or JSON) and returns the findings with segment paths,
 * the entity when there is no error, and its ref when kind and name could be read.
 */
export function checkEntity(raw: unknown): { entity?: Entity; ref?: string; findings: Finding[] } {
  const out = new FindingList();
  if (!isRecord(raw)) {
    out.error('not_an_object', [], `expected a mapping with apiVersion, kind, metadata and spec, found ${describeValue(raw)}`);
    return { findings: out.items };
  }
  const { apiVersion, kind, metadata, spec } = raw;

  for (const [key, value] of [['apiVersion', apiVersion], ['kind', kind]] as const) {
    if (value === undefined) out.error('missing_field', [key], 'expected a non-empty string, found nothing', 'parent');
    else if (typeof value !== 'string' || value.length === 0) out.error('wrong_type', [key], `expected a non-empty string, found ${describeValue(value)}`);
  }
  checkMetadata(metadata, out);

  const namespace =
    isRecord(metadata) && typeof metadata.namespace === 'string' && metadata.namespace ? metadata.namespace : DEFAULT_NAMESPACE;
  // Refs default to the entity's namespace; a bad one is already reported, so don't fail every ref on it too.
  const refNamespace = isValidNamespace(namespace) ? namespace : DEFAULT_NAMESPACE;
  const name = isRecord(metadata) && typeof metadata.name === 'string' ? metadata.name : undefined;
  const ref = typeof kind === 'string' && kind && name ? `${kind}:${namespace}/${name}`.toLowerCase() : undefined;

  for (const key of Object.keys(raw)) {
    if (ENVELOPE.includes(key)) continue;
    const why = COMPUTED.includes(key) ? 'it is computed by the catalog, so this copy is ignored' : 'this key is ignored';
    out.warn('unknown_field', [key], `expected only apiVersion, kind, metadata and spec at the top level; ${why}`, 'key');
  }

  if (typeof kind === 'string' && kind) {
    const kindSpec = kindSpecOf(kind);
    const versionKnown = typeof apiVersion === 'string' && apiVersion.length > 0;
    if (!kindSpec) {
      const other = kindSpelledDifferently(kind);
      const version = versionKnown ? ` (apiVersion ${describeValue(apiVersion)})` : '';
      out.error(
        'unknown_kind',
        ['kind'],
        other
          ? `expected one of ${knownKindsText()} (kinds are case-sensitive), found ${describeValue(kind)}; did you mean "${other}"?`
          : `expected one of ${knownKindsText()}, found ${describeValue(kind)}${version}`,
      );
    } else if (versionKnown && !kindSpec.apiVersions.includes(apiVersion)) {
      out.error(
        'unknown_kind',
        ['apiVersion'],
        `expected ${kindSpec.apiVersions.map((v) => `"${v}"`).join(' or ')} for kind ${kind}, found ${describeValue(apiVersion)}`,
      );
    } else if (versionKnown) {
      checkSpec(kindSpec, spec, refNamespace, out);
    }
  }

  if (out.hasErrors) return ref ? { ref, findings: out.items } : { findings: out.items };

  // A JSON round trip gives the caller a copy it owns, in exactly the form the store will keep.
  const entity = JSON.parse(
    JSON.stringify({ apiVersion, kind, metadata: { ...(metadata as object), namespace }, spec }),
  ) as Entity;
  return { entity, ref: ref as string, findings: out.items };
}

/**
 * Validates an entity given as an object (API registrations, no file positions). When `file` is given,
 * problems name it with line and column 1, since an object carries no positions of its own.
 */
export function validateEntity(raw: unknown, opts: { file?: string } = {}): { entity?: Entity; problems: Problem[] } {
  const { entity, findings } = checkEntity(raw);
  const position = opts.file ? { file: opts.file, line: 1, column: 1 } : undefined;
  const problems = findings.map((f) => toProblem(f, position));
  return entity ? { entity, problems } : { problems };
}
