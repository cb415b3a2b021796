export interface ValueViewProps {
  value: unknown;
}

function isPlain(v: unknown): v is string | number | boolean | null {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}

/**
 * Any JSON value as something people read: scalars as text, lists of scalars inline, objects as nested
 * key/value lists. Used for an entity's spec, where the shape depends on its kind.
 */
export function ValueView({ value }: ValueViewProps) {
  if (value === undefined) return <span className="muted">—</span>;
  if (isPlain(value)) {
    if (value === null || value === '') return <span className="muted">—</span>;
    return <span className="kv-scalar">{String(value)}</span>;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return <span className="muted">none</span>;
    if (value.every(isPlain)) {
      return (
        <ul className="kv-inline">
          {value.map((v, i) => (
            <li key={i}>{String(v)}</li>
          ))}
        </ul>
      );
    }
    return (
      <ol className="kv-array">
        {value.map((v, i) => (
          <li key={i}>
            <ValueView value={v} />
          </li>
        ))}
      </ol>
    );
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return <span className="muted">empty</span>;
  return (
    <dl className="kv">
      {entries.map(([k, v]) => (
        <div className="kv-row" key={k}>
          <dt>{k}</dt>
          <dd>
            <ValueView value={v} />
          </dd>
        </div>
      ))}
    </dl>
  );
}
