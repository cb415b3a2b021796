import { policyDenials, type ApiError } from '../api.js';
import { Link } from '../router.js';

/** Link to a policy's page. */
export function PolicyLink({ name }: { name: string }) {
  return (
    <Link to={`/policies/${encodeURIComponent(name)}`} className="entity-link mono">
      {name}
    </Link>
  );
}

/**
 * An action's failure; for a refusal by policy, each policy that refused (linked) with its messages, so the
 * person knows which rule to satisfy or to ask an exemption from.
 */
export function ActionErrorText({ error }: { error: ApiError }) {
  const denials = policyDenials(error);
  if (denials.length === 0) return <>{error.detail || error.title}</>;
  return (
    <span className="policy-refusal" data-testid="policy-refusal">
      <strong>{error.title}</strong>
      <ul className="plain-list">
        {denials.map((d) => (
          <li key={d.policy} data-policy={d.policy}>
            <PolicyLink name={d.policy} />: {d.messages.join('; ')}
          </li>
        ))}
      </ul>
    </span>
  );
}
