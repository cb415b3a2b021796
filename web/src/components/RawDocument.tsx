import { useState } from 'react';
import { stringify } from 'yaml';

export interface RawDocumentProps {
  document: unknown;
  /** Used in the copy-friendly heading, e.g. the entity ref. */
  label: string;
}

/** The stored document as YAML (the way descriptors are written) or JSON (the way the API returns it). */
export function RawDocument({ document, label }: RawDocumentProps) {
  const [format, setFormat] = useState<'yaml' | 'json'>('yaml');
  const text = format === 'yaml' ? stringify(document, { lineWidth: 0 }) : JSON.stringify(document, null, 2);
  return (
    <div className="raw-doc">
      <div className="segmented" role="radiogroup" aria-label={`Format of ${label}`}>
        {(['yaml', 'json'] as const).map((f) => (
          <button
            key={f}
            type="button"
            role="radio"
            aria-checked={format === f}
            className={format === f ? 'segment active' : 'segment'}
            onClick={() => setFormat(f)}
          >
            {f.toUpperCase()}
          </button>
        ))}
      </div>
      <pre className="code-block" tabIndex={0} aria-label={`${label} as ${format.toUpperCase()}`} data-testid="raw-document">
        {text}
      </pre>
    </div>
  );
}
