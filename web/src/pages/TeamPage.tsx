import type { EntityView } from '../api.js';
import { EntityRefLink } from '../components/EntityRefLink.js';
import { ErrorPanel } from '../components/ErrorPanel.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { entityPath, formatEntityRef, teamPath } from '../entityRef.js';
import { kindLabel } from '../kindLabel.js';
import { useLiveUpdates } from '../live.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import { useAsync } from '../useAsync.js';
import { DeliveryStrip } from './MetricsPage.js';

export interface TeamPageProps {
  namespace: string;
  name: string;
}

interface Profile {
  displayName?: string;
  email?: string;
  picture?: string;
}

function profileOf(view: EntityView): Profile {
  const p = view.entity.spec?.profile;
  return p && typeof p === 'object' ? (p as Profile) : {};
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** Order kinds the way people scan a team's estate: what runs first, the organisation last. */
const KIND_ORDER = ['system', 'component', 'api', 'resource', 'domain', 'template', 'group', 'user', 'location'];

function byKind(items: EntityView[]): [string, EntityView[]][] {
  const groups = new Map<string, EntityView[]>();
  for (const e of items) {
    const k = (e.kind || e.entity.kind).toLowerCase();
    groups.set(k, [...(groups.get(k) ?? []), e]);
  }
  const rank = (k: string) => {
    const i = KIND_ORDER.indexOf(k);
    return i < 0 ? KIND_ORDER.length : i;
  };
  return [...groups.entries()].sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}

function displayName(e: EntityView): string {
  return profileOf(e).displayName || e.entity.metadata.title || e.entity.metadata.name;
}

/** A team (Group): its place in the org tree, its members and everything it and its sub-teams own. */
export function TeamPage({ namespace, name }: TeamPageProps) {
  const { api } = useSession();
  const { version } = useLiveUpdates();
  const ref = formatEntityRef({ kind: 'group', namespace, name });
  const data = useAsync(
    async (signal) => {
      const [group, parents, children, members, owned] = await Promise.all([
        api.getEntity('group', namespace, name, signal),
        api.related({ ref, relation: 'childOf' }, signal),
        api.related({ ref, relation: 'parentOf' }, signal),
        api.related({ ref, relation: 'hasMember' }, signal),
        api.related({ ref, relation: 'ownerOf', includeSubgroups: true }, signal),
      ]);
      return { group, parents: parents.items, children: children.items, members: members.items, owned: owned.items };
    },
    [api, ref, version],
  );

  if (data.error) {
    return (
      <div className="page">
        <nav className="breadcrumbs" aria-label="Breadcrumb">
          <Link to="/catalog?kind=group">Teams</Link>
          <span aria-hidden="true">/</span>
          <span aria-current="page">{name}</span>
        </nav>
        <ErrorPanel
          error={data.error}
          context={data.error.status === 404 ? `There is no team ${ref} in the catalog` : `Could not load the team ${ref}`}
          onRetry={data.error.status === 404 ? undefined : data.reload}
        />
      </div>
    );
  }
  if (!data.data) {
    return (
      <div className="page">
        <p className="muted" role="status">
          Loading team {name}…
        </p>
      </div>
    );
  }

  const { group, parents, children, members, owned } = data.data;
  const meta = group.entity.metadata;
  const profile = profileOf(group);
  const title = profile.displayName || meta.title || meta.name;
  const groupType = str(group.entity.spec?.type);
  const ownedByKind = byKind(owned);

  return (
    <div className="page">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <Link to="/catalog?kind=group">Teams</Link>
        {parents.map((p) => (
          <span key={p.ref} className="crumb">
            <span aria-hidden="true">/</span>
            <Link to={teamPath(p.ref)}>{displayName(p)}</Link>
          </span>
        ))}
        <span aria-hidden="true">/</span>
        <span aria-current="page">{meta.name}</span>
      </nav>
      <header className="entity-header card">
        <div className="entity-header-top">
          <div>
            <p className="eyebrow">Team{groupType && groupType !== 'team' && <> · {groupType}</>}</p>
            <h1 data-testid="team-title">{title}</h1>
            {title !== meta.name && <p className="entity-sub">{meta.name}</p>}
          </div>
          <div className="entity-badges">
            <Link to={entityPath(group)} className="btn">
              Entity details
            </Link>
          </div>
        </div>
        {meta.description && <p className="entity-description">{meta.description}</p>}
        <dl className="facts">
          <div>
            <dt>Parent</dt>
            <dd data-testid="team-parent">
              {parents.length === 0 ? (
                <span className="muted">top level</span>
              ) : (
                parents.map((p) => (
                  <Link key={p.ref} to={teamPath(p.ref)}>
                    {displayName(p)}
                  </Link>
                ))
              )}
            </dd>
          </div>
          <div>
            <dt>Email</dt>
            <dd>{profile.email ? <a href={`mailto:${profile.email}`}>{profile.email}</a> : <span className="muted">—</span>}</dd>
          </div>
          <div>
            <dt>Members</dt>
            <dd>{members.length}</dd>
          </div>
          <div>
            <dt>Owns</dt>
            <dd>{owned.length} entities</dd>
          </div>
        </dl>
      </header>

      <DeliveryStrip team={ref} />

      <div className="team-grid">
        <section className="card" aria-labelledby="members-title">
          <h2 id="members-title">
            Members <span className="count">{members.length}</span>
          </h2>
          {members.length === 0 ? (
            <p className="muted">No members.</p>
          ) : (
            <ul className="people" data-testid="team-members">
              {members.map((m) => {
                const p = profileOf(m);
                return (
                  <li key={m.ref} className="person">
                    <span className="avatar" aria-hidden="true">
                      {displayName(m).charAt(0).toUpperCase()}
                    </span>
                    <span className="person-text">
                      <Link to={entityPath(m)} className="person-name">
                        {displayName(m)}
                      </Link>
                      {p.email ? (
                        <a href={`mailto:${p.email}`} className="person-email">
                          {p.email}
                        </a>
                      ) : (
                        <span className="muted small">{m.entity.metadata.name}</span>
                      )}
                    </span>
                  </li>
                );
              })}
            </ul>
          )}
        </section>

        <section className="card" aria-labelledby="children-title">
          <h2 id="children-title">
            Sub-teams <span className="count">{children.length}</span>
          </h2>
          {children.length === 0 ? (
            <p className="muted">No sub-teams.</p>
          ) : (
            <ul className="plain-list" data-testid="team-children">
              {children.map((c) => (
                <li key={c.ref}>
                  <Link to={teamPath(c.ref)}>{displayName(c)}</Link>
                  {c.entity.metadata.description && <p className="muted small">{c.entity.metadata.description}</p>}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>

      <section className="card" aria-labelledby="owned-title">
        <h2 id="owned-title">
          Owned by {title} and its sub-teams <span className="count">{owned.length}</span>
        </h2>
        {owned.length === 0 && <p className="muted">This team owns nothing yet.</p>}
        {ownedByKind.map(([kind, items]) => (
          <div key={kind} className="owned-group" data-kind={kind}>
            <h3>
              {kindLabel(kind)} <span className="count">{items.length}</span>
            </h3>
            <div className="table-wrap">
              <table className="table owned-table" data-testid={`owned-${kind}`}>
                <colgroup>
                  <col style={{ width: '24%' }} />
                  <col style={{ width: '12%' }} />
                  <col style={{ width: '13%' }} />
                  <col style={{ width: '17%' }} />
                  <col />
                </colgroup>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Type</th>
                    <th scope="col">Lifecycle</th>
                    <th scope="col">Owner</th>
                    <th scope="col">Description</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((e) => {
                    const owner = e.relations.find((r) => r.type === 'ownedBy')?.targetRef ?? str(e.entity.spec?.owner);
                    return (
                      <tr key={e.ref}>
                        <td>
                          <Link to={entityPath(e)} className="entity-name">
                            {e.entity.metadata.title || e.entity.metadata.name}
                          </Link>
                        </td>
                        <td>{str(e.entity.spec?.type) || <span className="muted">—</span>}</td>
                        <td>
                          {str(e.entity.spec?.lifecycle) ? (
                            <StatusBadge tone="neutral">{str(e.entity.spec?.lifecycle)}</StatusBadge>
                          ) : (
                            <span className="muted">—</span>
                          )}
                        </td>
                        <td>{owner ? <EntityRefLink entityRef={owner} defaultKind="group" preferTeamPage /> : '—'}</td>
                        <td className="cell-description">{e.entity.metadata.description ?? ''}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </div>
        ))}
      </section>
    </div>
  );
}
