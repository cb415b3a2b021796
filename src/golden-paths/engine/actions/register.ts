import { readFile } from 'node:fs/promises';
import { authorize, type Principal } from '../../../auth/authorize.js';
import { formatProblem, InputError } from '../../../core/errors.js';
import { parseDescriptors } from '../../../catalog/index.js';
import { resolveInside } from '../paths.js';
import type { Action, ActionContext } from '../types.js';
import { inputError, str } from './input.js';

/**
 * The scaffolder registering a location for a repository this task created in Gantry's hosting. The user
 * was authorised for it (owner of the repository, and `catalog.location.create` for that owner); the
 * location itself reads the server's disk, which only the platform may register.
 */
const SCAFFOLDER: Principal = { userRef: 'system:scaffolder', role: 'admin', teams: [] };

/** The hosted repository a URL of this server names (`<base>/git/<name>[.git]`), or null. */
function hostedRepoName(ctx: ActionContext, url: string): string | null {
  const prefix = `${ctx.services.baseUrl().replace(/\/+$/, '')}/git/`;
  if (!url.startsWith(prefix)) return null;
  const rest = url.slice(prefix.length).replace(/[#?].*$/, '').replace(/\/+$/, '').replace(/\.git$/, '');
  return /^[a-z0-9][a-z0-9\-_.]*$/.test(rest) ? rest : null;
}

/** The entity refs (main entity first) and owner of a descriptor the task wrote, at `path` inside `base`. */
export async function refsInWorkspace(ctx: ActionContext, path: string, base: string = ctx.workspace): Promise<{ refs: string[]; owner: string | null }> {
  const rel = path.replace(/^\/+/, '');
  const file = await resolveInside(base, rel, 'input.catalogInfoPath');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw inputError('catalogInfoPath', `expected the descriptor the template wrote, found no file at ${JSON.stringify(rel)} in the workspace`);
  }
  const parsed = parseDescriptors(text, rel);
  const problems = [...parsed.problems, ...parsed.documents.flatMap((d) => d.problems)].filter((p) => p.severity !== 'warning');
  if (problems.length > 0) {
    throw new InputError(`${rel}: the generated descriptor is not valid: ${problems.map(formatProblem).join('; ')}`, { problems });
  }
  const entities = parsed.documents.filter((d) => d.entity && d.ref);
  // The main entity first: Backstage's entityRef output is the first entity that is not a Location.
  entities.sort((a, b) => Number(a.entity!.kind === 'Location') - Number(b.entity!.kind === 'Location'));
  const owner = entities[0]?.entity?.spec?.owner;
  return { refs: entities.map((d) => d.ref!), owner: typeof owner === 'string' ? owner : null };
}

/** Adds refs to the plan once each. */
export function planEntities(ctx: ActionContext, refs: string[]): void {
  for (const r of refs) if (!ctx.plan.entities.includes(r)) ctx.plan.entities.push(r);
}

/**
 * Registers the descriptor at `path` of a repository this task created in Gantry's hosting as a catalog
 * location (owned by the repository's team), recorded as the step's resource. Fails when the catalog refused it.
 */
export async function registerHostedRepo(ctx: ActionContext, name: string, path: string): Promise<string> {
  const repo = await ctx.services.repos.get(name);
  authorize(ctx.task.user, 'catalog.location.create', { owner: repo.owner });
  const rel = path.replace(/^\/+/, '');
  const target = `${ctx.services.repos.pathOf(name)}#${repo.defaultBranch}:${rel}`;
  const r = await ctx.services.catalog.addLocation(SCAFFOLDER, { target, type: 'git', owner: repo.owner });
  await ctx.addResource({ type: 'location', id: r.location.id, repo: name, path: rel, ...(ctx.input.keepOnFailure === true ? { kept: true } : {}) });
  const errors = r.refresh.problems.filter((p) => p.severity !== 'warning');
  if (errors.length > 0) throw new InputError(`the catalog refused ${name}/${rel}: ${errors.map(formatProblem).join('; ')}`, { problems: errors });
  return r.location.id;
}

export const catalogRegister: Action = {
  id: 'catalog:register',
  description: 'Registers the published catalog-info.yaml as a catalog location; the entity is queryable when the step ends.',
  async run(ctx) {
    const catalogInfoUrl = str(ctx.input, 'catalogInfoUrl');
    const repoContentsUrl = str(ctx.input, 'repoContentsUrl');
    const infoPath = str(ctx.input, 'catalogInfoPath', { fallback: '/catalog-info.yaml' })!;
    if (!catalogInfoUrl && !repoContentsUrl) throw inputError('repoContentsUrl', 'expected repoContentsUrl (with catalogInfoPath) or catalogInfoUrl, found neither');
    const { refs, owner } = await refsInWorkspace(ctx, catalogInfoUrl ? (catalogInfoUrl.split('/').pop() ?? 'catalog-info.yaml') : infoPath);
    const entityRef = refs[0] ?? null;
    const url = catalogInfoUrl ?? `${repoContentsUrl!.replace(/\/+$/, '')}/${infoPath.replace(/^\/+/, '')}`;
    const hosted = hostedRepoName(ctx, catalogInfoUrl ?? repoContentsUrl!);
    if (ctx.dryRun) {
      planEntities(ctx, refs);
      ctx.log(`would register ${url} in the catalog: ${refs.join(', ') || 'no entities'}`);
      return { entityRef, entityRefs: refs, catalogInfoUrl: url };
    }
    const rel = infoPath.replace(/^\/+/, '');
    const mine = ctx.resources.find((r) => r.type === 'location' && r.stepId === ctx.stepId);
    // publish:git registers the repository's root descriptor itself; this step then only confirms it.
    const published = hosted ? ctx.resources.find((r) => r.type === 'location' && r.repo === hosted && r.path === rel) : undefined;
    let locationId: string;
    if (mine && mine.type === 'location') {
      locationId = (await ctx.services.catalog.refreshLocation(SCAFFOLDER, mine.id)).location.id;
      ctx.log(`refreshed the location registered by an earlier attempt (${locationId})`);
    } else if (published && published.type === 'location') {
      locationId = published.id;
    } else if (hosted) {
      locationId = await registerHostedRepo(ctx, hosted, rel);
    } else {
      // The location belongs to the team that owns what it describes (members may register only for their teams).
      const group = str(ctx.input, 'owner') ?? owner;
      const locationOwner = group === null ? null : group.includes(':') ? group.toLowerCase() : `group:default/${group.toLowerCase()}`;
      const r = await ctx.services.catalog.addLocation(ctx.task.user, { target: url, type: 'git', owner: locationOwner });
      locationId = r.location.id;
      await ctx.addResource({ type: 'location', id: locationId, ...(ctx.input.keepOnFailure === true ? { kept: true } : {}) });
      const errors = r.refresh.problems.filter((p) => p.severity !== 'warning');
      if (errors.length > 0) throw new InputError(`the catalog refused ${url}: ${errors.map(formatProblem).join('; ')}`, { problems: errors });
    }
    for (const ref of refs) await ctx.services.catalog.getEntity(ref);
    ctx.log(`registered ${url}: ${refs.join(', ')} queryable in the catalog`);
    return { entityRef, entityRefs: refs, catalogInfoUrl: url, locationId };
  },
};
