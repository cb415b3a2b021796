import { entityPath, parseEntityRef } from '../entityRef.js';
import { Link } from '../router.js';

export interface EntityRefLinkProps {
  /** Any ref form (`group:default/payments`, `payments`); missing parts come from `defaultKind`/`default`. */
  entityRef: string;
  defaultKind?: string;
  /** Show `kind:` before the name. */
  showKind?: boolean;
  /** Link groups to their team page. */
  preferTeamPage?: boolean;
  label?: string;
}

/** A link to an entity's page, labelled with its name (and kind/namespace when they add information). */
export function EntityRefLink({ entityRef, defaultKind, showKind, preferTeamPage, label }: EntityRefLinkProps) {
  const n = parseEntityRef(entityRef, { kind: defaultKind });
  if (!n.kind || !n.name) return <span>{entityRef}</span>;
  const text =
    label ?? `${showKind ? `${n.kind}:` : ''}${n.namespace === 'default' ? '' : `${n.namespace}/`}${n.name}`;
  return (
    <Link to={entityPath(n, { preferTeamPage })} className="entity-link" title={`${n.kind}:${n.namespace}/${n.name}`}>
      {text}
    </Link>
  );
}
