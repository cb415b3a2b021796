import { NotAllowedError } from '../core/errors.js';

export type Role = 'admin' | 'member' | 'viewer';

/** Who is acting. Built by the auth layer from a token and the catalog's User and Group entities. */
export interface Principal {
  /** `user:default/jane` or `system:<component>` for the platform itself. */
  userRef: string;
  role: Role;
  /**
   * Group refs whose belongings this principal may change: the groups the user is a member of and all
   * their descendant groups. Empty for viewers and admins (admins may change anything).
   */
  teams: string[];
}

/** The platform acting on its own behalf (interval refreshes, start-up seeding). */
export const SYSTEM: Principal = { userRef: 'system:gantry', role: 'admin', teams: [] };

/** Every action that changes state. An action missing from `RULES` is denied. */
export type Action =
  | 'catalog.location.create'
  | 'catalog.location.refresh'
  | 'catalog.location.delete'
  | 'catalog.entity.write'
  | 'catalog.entity.delete'
  | 'token.create'
  | 'token.revoke'
  | 'sample.load'
  | 'sample.remove'
  | 'hosting.repo.create'
  | 'hosting.repo.delete'
  | 'hosting.repo.push'
  | 'scaffolder.task.create'
  | 'scaffolder.task.cancel'
  | 'pipeline.run.create'
  | 'pipeline.run.cancel'
  | 'secret.write'
  | 'secret.delete'
  | 'environment.create'
  | 'environment.delete'
  | 'deployment.create'
  | 'deployment.approve'
  | 'deployment.override-freeze'
  | 'policy.exemption.request'
  | 'policy.exemption.approve'
  | 'policy.exemption.revoke'
  | 'incident.open'
  | 'incident.update'
  | 'metrics.import'
  | 'metrics.webhook.replay'
  | 'survey.respond';

/** What an action is about: its owning group, its kind, or the user it concerns. */
export interface Resource {
  /** The owning group ref (lower-cased), when the subject has one. */
  owner?: string | null;
  /** Entity kind (lower-cased) for catalog writes. */
  kind?: string;
  /** The user a token action concerns. */
  userRef?: string;
  /** The location reads the server's own file system (a file, a directory, a local or file:// repository). */
  localSource?: boolean;
  /** The environment type an environment or deployment action concerns. */
  environmentType?: string;
}

type Rule = (p: Principal, r: Resource) => boolean | string;

const ownsIt: Rule = (p, r) => {
  if (p.role !== 'member') return false;
  if (!r.owner) return 'only an admin may change something that has no owning team';
  return p.teams.includes(r.owner.toLowerCase()) || `it is owned by ${r.owner}, which is not one of your teams`;
};

/** Kinds that describe the organisation itself: only admins change them. */
const ORG_KINDS = new Set(['group', 'user', 'domain', 'location']);

const RULES: Record<Action, Rule> = {
  // The server's file system is the platform's, not a team's: members register git URLs.
  'catalog.location.create': (p, r) =>
    r.localSource ? 'only an admin may register a location on the server\'s file system; use a git URL' : ownsIt(p, r),
  'catalog.location.refresh': ownsIt,
  'catalog.location.delete': ownsIt,
  'catalog.entity.write': (p, r) =>
    r.kind && ORG_KINDS.has(r.kind) ? `only an admin may change ${r.kind} entities` : ownsIt(p, r),
  'catalog.entity.delete': (p, r) =>
    r.kind && ORG_KINDS.has(r.kind) ? `only an admin may delete ${r.kind} entities` : ownsIt(p, r),
  'token.create': (p, r) => p.role !== 'admin' && r.userRef !== undefined && r.userRef === p.userRef,
  'token.revoke': (p, r) => r.userRef !== undefined && r.userRef === p.userRef,
  'sample.load': () => false,
  'sample.remove': () => false,
  // Reading a hosted repo (clone, fetch) is not an action: any authenticated principal may.
  'hosting.repo.create': ownsIt,
  'hosting.repo.delete': ownsIt,
  'hosting.repo.push': ownsIt,
  // Running a template is open to every member; what the run creates (repos, locations) is checked per step.
  'scaffolder.task.create': (p) => p.role === 'member' || 'viewers may not run templates',
  'scaffolder.task.cancel': (p, r) =>
    (r.userRef !== undefined && r.userRef === p.userRef) || 'only the user who started a task (or an admin) may cancel it',
  // Runs belong to the repository's team: its members start, re-run and cancel them.
  'pipeline.run.create': ownsIt,
  'pipeline.run.cancel': ownsIt,
  // A team's secrets (owner = the scope's group) belong to its members; global secrets (no owner) to admins.
  'secret.write': (p, r) => (r.owner ? ownsIt(p, r) : 'only an admin may change global secrets'),
  'secret.delete': (p, r) => (r.owner ? ownsIt(p, r) : 'only an admin may delete global secrets'),
  // Teams make and remove their own development and preview environments; staging and production are the
  // platform's (admins).
  'environment.create': (p, r) =>
    r.environmentType === 'development' || r.environmentType === 'preview' ? ownsIt(p, r) : `only an admin may create a ${r.environmentType ?? 'shared'} environment`,
  'environment.delete': (p, r) =>
    r.environmentType === 'development' || r.environmentType === 'preview' ? ownsIt(p, r) : `only an admin may delete a ${r.environmentType ?? 'shared'} environment`,
  // A component's team deploys, promotes and rolls it back (owner = the component's owner).
  'deployment.create': ownsIt,
  // Approving: any member of the component's team, or of the environment's owning team; never the requester
  // (checked by the engine, for admins too).
  'deployment.approve': ownsIt,
  // Deploying into a freeze window is an admin's decision, recorded with its reason.
  'deployment.override-freeze': () => 'only an admin may deploy during a freeze window',
  'policy.exemption.request': ownsIt,
  'policy.exemption.approve': () => 'only an admin (the platform team) may approve a policy exemption',
  'policy.exemption.revoke': (p, r) =>
    (r.userRef !== undefined && r.userRef === p.userRef) || 'only the user who asked for an exemption (or an admin) may revoke it',
  // Anyone who sees production break may say so; the affected components' teams (and the opener) run it.
  'incident.open': (p) => p.role === 'member' || 'viewers may not open incidents',
  'incident.update': (p, r) =>
    (p.role === 'member' && r.userRef !== undefined && r.userRef === p.userRef) || ownsIt(p, r),
  // History from other systems, and re-parsing stored webhooks, change every team's numbers: the platform team's call.
  'metrics.import': () => 'only an admin may import delivery history',
  'metrics.webhook.replay': () => 'only an admin may replay stored webhook deliveries',
  // Every signed-in person may answer the survey (viewers use the platform too).
  'survey.respond': () => true,
};

/** The answer of `decide`: allowed, or denied with a reason a person can act on. */
export type Decision = { allowed: true } | { allowed: false; reason: string };

/**
 * The one authorisation decision every mutation passes through. Fail-closed: admins may do everything;
 * anyone else only what a rule for the action explicitly allows; an unknown action is denied.
 */
export function decide(p: Principal, action: Action, resource: Resource = {}): Decision {
  if (p.role === 'admin') return { allowed: true };
  const rule = Object.prototype.hasOwnProperty.call(RULES, action) ? RULES[action] : undefined;
  if (!rule) return { allowed: false, reason: `no rule allows ${action}` };
  let verdict: boolean | string;
  try {
    verdict = rule(p, resource);
  } catch {
    verdict = false;
  }
  if (verdict === true) return { allowed: true };
  const why = typeof verdict === 'string' ? verdict : `${p.role}s may not ${action.split('.').slice(-1)[0]} this`;
  return { allowed: false, reason: `${p.userRef} may not perform ${action}: ${why}` };
}

/** `decide`, throwing NotAllowedError on denial. */
export function authorize(p: Principal, action: Action, resource: Resource = {}): void {
  const d = decide(p, action, resource);
  if (!d.allowed) throw new NotAllowedError(d.reason, { details: { action, ...resource } });
}
