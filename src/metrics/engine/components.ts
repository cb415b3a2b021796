import type { Catalog, EntityView } from '../../catalog/index.js';

/** A catalog Component as the metrics see it. */
export interface ComponentInfo {
  ref: string;
  name: string;
  owner: string | null;
  annotations: Record<string, string>;
  createdAt: string;
}

/** Annotations that name a component's repository on a forge (Backstage's, and Gantry's own hosted repo). */
const REPO_ANNOTATIONS = ['github.com/project-slug', 'gitlab.com/project-slug', 'gantry.dev/repo'];

/**
 * The catalog's components, and how a source's names map onto them: a webhook names a repository
 * (`acme/orders-api`), an import or Gantry names a component (`orders-api`, `component:default/orders-api`).
 * What the catalog does not know keeps its own name (`component:default/<name>`), so history imported before the
 * catalog knew a service still counts, and shows under the right component once it is registered.
 */
export interface ComponentDirectory {
  components: ComponentInfo[];
  byRef: Map<string, ComponentInfo>;
  /** A component's ref from a source's component name or ref. */
  component(nameOrRef: string): string;
  /** A component's ref from a repository name or slug. */
  repo(slug: string): string;
  /** The owning group's ref (`group:default/team-a`) of a component ref; null when unknown. */
  ownerOf(ref: string): string | null;
}

const PAGE = 500;

async function listComponents(catalog: Catalog): Promise<EntityView[]> {
  const out: EntityView[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await catalog.listEntities({ filter: [{ key: 'kind', values: ['component'] }], limit: PAGE, ...(cursor ? { cursor } : {}) });
    out.push(...page.items);
    if (!page.nextCursor) return out;
    cursor = page.nextCursor;
  }
}

function normalisedRef(text: string): string {
  const t = text.trim().toLowerCase();
  const m = /^(?:([a-z0-9-]+):)?(?:([a-z0-9._-]+)\/)?([a-z0-9._-]+)$/.exec(t);
  if (!m) return `component:default/${t}`;
  return `${m[1] ?? 'component'}:${m[2] ?? 'default'}/${m[3]}`;
}

export async function componentDirectory(catalog: Catalog): Promise<ComponentDirectory> {
  const components: ComponentInfo[] = (await listComponents(catalog)).map((e) => ({
    ref: e.ref,
    name: e.name,
    owner: e.relations.find((r) => r.type === 'ownedBy')?.targetRef ?? null,
    annotations: ((e.entity.metadata as { annotations?: Record<string, string> }).annotations ?? {}) as Record<string, string>,
    createdAt: e.createdAt,
  }));
  const byRef = new Map(components.map((c) => [c.ref, c]));
  const byName = new Map<string, ComponentInfo>();
  for (const c of components) if (!byName.has(c.name) || c.ref.includes(':default/')) byName.set(c.name, c);
  const bySlug = new Map<string, ComponentInfo>();
  for (const c of components) {
    for (const a of REPO_ANNOTATIONS) {
      const v = c.annotations[a];
      if (typeof v === 'string' && v.trim()) bySlug.set(v.trim().toLowerCase().replace(/\.git$/, ''), c);
    }
  }
  const component = (nameOrRef: string): string => {
    const t = nameOrRef.trim().toLowerCase();
    if (!t.includes(':') && !t.includes('/')) return byName.get(t)?.ref ?? `component:default/${t}`;
    return normalisedRef(t);
  };
  return {
    components,
    byRef,
    component,
    repo(slug) {
      const s = slug.trim().toLowerCase().replace(/\.git$/, '');
      const hit = bySlug.get(s);
      if (hit) return hit.ref;
      return component(s.split('/').pop() ?? s);
    },
    ownerOf: (ref) => byRef.get(ref)?.owner ?? null,
  };
}
