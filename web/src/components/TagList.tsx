export interface TagListProps {
  tags: readonly string[] | undefined;
  /** Show at most this many, then "+N". */
  max?: number;
}

/** Tags as small neutral chips. */
export function TagList({ tags, max }: TagListProps) {
  if (!tags || tags.length === 0) return <span className="muted">—</span>;
  const shown = max === undefined ? tags : tags.slice(0, max);
  const hidden = tags.length - shown.length;
  return (
    <span className="tag-list">
      {shown.map((t) => (
        <span key={t} className="tag">
          {t}
        </span>
      ))}
      {hidden > 0 && (
        <span className="tag tag-more" title={tags.slice(shown.length).join(', ')}>
          +{hidden}
        </span>
      )}
    </span>
  );
}
