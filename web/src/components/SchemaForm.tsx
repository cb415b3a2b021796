import { useEffect, useState, type ReactNode } from 'react';
import type { EntityFilter, EntityView, JsonSchema } from '../api.js';
import { shortRef } from '../entityRef.js';
import { fieldsOf, type ParameterField } from '../parameterSchema.js';
import { useSession } from '../session.js';
import { useAsync } from '../useAsync.js';

export interface SchemaFormProps {
  /** One parameter page of a template: a JSON Schema object with `properties` and `required`. */
  page: JsonSchema;
  values: Record<string, unknown>;
  /** Messages by field name, shown under their fields. */
  errors: Record<string, string>;
  onChange: (name: string, value: unknown) => void;
  /** A field lost focus: the page checks it then. */
  onBlur: (name: string) => void;
  /** Prefix of the inputs' ids (`param-name`), so a page can focus a field by name. */
  idPrefix?: string;
}

/** The form for one parameter page, generated from its JSON Schema and Backstage's `ui:*` hints. */
export function SchemaForm({ page, values, errors, onChange, onBlur, idPrefix = 'param' }: SchemaFormProps) {
  const fields = fieldsOf(page).filter((f) => f.widget !== 'hidden');
  if (fields.length === 0) return <p className="muted">This page has no fields.</p>;
  return (
    <div className="schema-form">
      {fields.map((f) => (
        <FieldRow
          key={f.name}
          field={f}
          id={`${idPrefix}-${f.name}`}
          value={values[f.name]}
          error={errors[f.name]}
          onChange={(v) => onChange(f.name, v)}
          onBlur={() => onBlur(f.name)}
        />
      ))}
    </div>
  );
}

interface FieldProps {
  field: ParameterField;
  id: string;
  value: unknown;
  error: string | undefined;
  onChange: (value: unknown) => void;
  onBlur: () => void;
}

function helpTexts(schema: JsonSchema): string[] {
  return [schema.description, schema['ui:help']].filter((t): t is string => typeof t === 'string' && t.trim() !== '');
}

function FieldRow(props: FieldProps) {
  const { field, id, error } = props;
  const help = helpTexts(field.schema);
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const describedBy = [help.length ? helpId : '', error ? errorId : ''].filter(Boolean).join(' ') || undefined;
  const control = { ...props, describedBy };
  const grouped = field.widget === 'checkbox' || field.widget === 'multi-select' || field.widget === 'string-list';

  const label = (
    <>
      {field.label}
      {field.required && (
        <span className="required-mark" aria-hidden="true">
          {' '}
          *
        </span>
      )}
      {field.required && <span className="visually-hidden"> (required)</span>}
    </>
  );

  let body: ReactNode;
  if (field.widget === 'checkbox') {
    body = (
      <label className="checkbox-label">
        <input
          id={id}
          type="checkbox"
          checked={props.value === true}
          onChange={(e) => props.onChange(e.target.checked)}
          onBlur={props.onBlur}
          aria-describedby={describedBy}
          autoFocus={field.schema['ui:autofocus'] === true}
        />
        {label}
      </label>
    );
  } else if (grouped) {
    body = (
      <fieldset className="field-group" aria-describedby={describedBy} aria-invalid={error ? true : undefined}>
        <legend className="field-label">{label}</legend>
        {field.widget === 'multi-select' ? <MultiSelectControl {...control} /> : <StringListControl {...control} />}
      </fieldset>
    );
  } else {
    body = (
      <>
        <label htmlFor={id} className="field-label">
          {label}
        </label>
        <Control {...control} />
      </>
    );
  }

  return (
    <div className={error ? 'schema-field has-error' : 'schema-field'} data-field={field.name}>
      {body}
      {help.length > 0 && (
        <div id={helpId} className="field-help">
          {help.map((h, i) => (
            <p key={i}>{h}</p>
          ))}
        </div>
      )}
      {error && (
        <p id={errorId} className="field-error" data-testid="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

interface ControlProps extends FieldProps {
  describedBy: string | undefined;
}

function Control(props: ControlProps) {
  const { field, id, value, error, describedBy } = props;
  const schema = field.schema;
  const common = {
    id,
    'aria-describedby': describedBy,
    'aria-invalid': error ? true : undefined,
    'aria-required': field.required || undefined,
    autoFocus: schema['ui:autofocus'] === true,
    onBlur: props.onBlur,
  };
  const placeholder = typeof schema['ui:placeholder'] === 'string' ? schema['ui:placeholder'] : undefined;
  const readOnly = schema['ui:readonly'] === true;

  switch (field.widget) {
    case 'entity-picker':
      return <EntityPickerControl {...props} />;
    case 'select': {
      const options = (schema.enum as unknown[]).map((v, i) => {
        const names = Array.isArray(schema.enumNames) ? schema.enumNames : [];
        return { value: v, label: typeof names[i] === 'string' ? names[i] : String(v) };
      });
      const index = options.findIndex((o) => JSON.stringify(o.value) === JSON.stringify(value));
      return (
        <select
          {...common}
          className="input"
          value={index >= 0 ? String(index) : ''}
          disabled={readOnly}
          onChange={(e) => props.onChange(e.target.value === '' ? undefined : options[Number(e.target.value)]?.value)}
        >
          {(index < 0 || !field.required) && <option value="">{index < 0 ? 'Choose…' : '—'}</option>}
          {options.map((o, i) => (
            <option key={i} value={String(i)}>
              {o.label}
            </option>
          ))}
        </select>
      );
    }
    case 'number':
      return (
        <input
          {...common}
          className="input input-number"
          type="number"
          step={field.schema.type === 'integer' ? 1 : 'any'}
          min={typeof schema.minimum === 'number' ? schema.minimum : undefined}
          max={typeof schema.maximum === 'number' ? schema.maximum : undefined}
          value={typeof value === 'number' && !Number.isNaN(value) ? value : ''}
          placeholder={placeholder}
          readOnly={readOnly}
          onChange={(e) => props.onChange(e.target.value === '' ? undefined : e.target.valueAsNumber)}
        />
      );
    case 'textarea': {
      const opts = (schema['ui:options'] ?? {}) as { rows?: unknown };
      return (
        <textarea
          {...common}
          className="input textarea"
          rows={typeof opts.rows === 'number' ? opts.rows : 4}
          value={typeof value === 'string' ? value : ''}
          placeholder={placeholder}
          readOnly={readOnly}
          onChange={(e) => props.onChange(e.target.value)}
        />
      );
    }
    case 'json':
      return <JsonControl {...props} />;
    default:
      return (
        <input
          {...common}
          className="input"
          type={field.widget === 'password' ? 'password' : 'text'}
          autoComplete={field.widget === 'password' ? 'new-password' : 'off'}
          spellCheck={false}
          value={typeof value === 'string' ? value : value === undefined ? '' : String(value)}
          placeholder={placeholder}
          readOnly={readOnly}
          onChange={(e) => props.onChange(e.target.value)}
        />
      );
  }
}

/** A list of strings as rows with Add / Remove. */
function StringListControl({ field, id, value, error, onChange, onBlur }: ControlProps) {
  const rows = Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))) : [];
  const set = (i: number, v: string) => onChange(rows.map((r, j) => (j === i ? v : r)));
  return (
    <div className="list-rows">
      {rows.map((r, i) => (
        <div className="list-row" key={i}>
          <input
            id={i === 0 ? id : `${id}-${i}`}
            className="input"
            value={r}
            aria-label={`${field.label}, item ${i + 1}`}
            aria-invalid={error ? true : undefined}
            onChange={(e) => set(i, e.target.value)}
            onBlur={onBlur}
          />
          <button type="button" className="btn btn-small" onClick={() => onChange(rows.filter((_, j) => j !== i))} aria-label={`Remove item ${i + 1} of ${field.label}`}>
            Remove
          </button>
        </div>
      ))}
      <div>
        <button type="button" className="btn btn-small" id={rows.length === 0 ? id : undefined} onClick={() => onChange([...rows, ''])}>
          + Add {rows.length === 0 ? 'an item' : 'another'}
        </button>
      </div>
    </div>
  );
}

/** An array whose items are an enum: one checkbox per choice. */
function MultiSelectControl({ field, id, value, onChange, onBlur }: ControlProps) {
  const items = (field.schema.items ?? {}) as JsonSchema;
  const choices = Array.isArray(items.enum) ? items.enum : [];
  const names = Array.isArray(items.enumNames) ? items.enumNames : [];
  const picked = Array.isArray(value) ? value : [];
  const has = (c: unknown) => picked.some((p) => JSON.stringify(p) === JSON.stringify(c));
  return (
    <div className="check-grid">
      {choices.map((c, i) => (
        <label key={i} className="checkbox-label">
          <input
            id={i === 0 ? id : `${id}-${i}`}
            type="checkbox"
            checked={has(c)}
            onBlur={onBlur}
            onChange={(e) => onChange(e.target.checked ? [...picked, c] : picked.filter((p) => JSON.stringify(p) !== JSON.stringify(c)))}
          />
          {typeof names[i] === 'string' ? names[i] : String(c)}
        </label>
      ))}
    </div>
  );
}

/** Objects and lists of objects: JSON text; text that does not parse is passed on as text, so the check says so. */
function JsonControl({ id, value, error, describedBy, onChange, onBlur }: ControlProps) {
  const [text, setText] = useState(() => (value === undefined ? '' : JSON.stringify(value, null, 2)));
  return (
    <textarea
      id={id}
      className="input textarea mono"
      rows={5}
      value={text}
      aria-describedby={describedBy}
      aria-invalid={error ? true : undefined}
      onBlur={onBlur}
      onChange={(e) => {
        setText(e.target.value);
        if (e.target.value.trim() === '') return onChange(undefined);
        try {
          onChange(JSON.parse(e.target.value));
        } catch {
          onChange(e.target.value);
        }
      }}
    />
  );
}

interface PickerQuery {
  filters: EntityFilter[];
  /** MyGroupsPicker: only these refs. */
  only: Set<string> | null;
}

function lowerList(v: unknown): string[] {
  const list = Array.isArray(v) ? v : [v];
  return list.filter((x): x is string => typeof x === 'string' && x !== '').map((x) => x.toLowerCase());
}

/** `ui:options.catalogFilter` (one filter or a list of alternatives) as the catalog API's filters. */
function pickerQuery(field: ParameterField, teams: string[]): PickerQuery {
  const uiField = field.schema['ui:field'];
  const opts = (field.schema['ui:options'] ?? {}) as { catalogFilter?: unknown; allowedKinds?: unknown };
  const raw = opts.catalogFilter;
  const alternatives = (Array.isArray(raw) ? raw : raw ? [raw] : []).filter((f): f is Record<string, unknown> => typeof f === 'object' && f !== null);
  const filters: EntityFilter[] = alternatives
    .map((alt) => {
      const f: EntityFilter = {};
      for (const [key, v] of Object.entries(alt)) {
        const values = lowerList(v);
        if (values.length) f[key] = values;
      }
      return f;
    })
    .filter((f) => Object.keys(f).length > 0);
  if (filters.length === 0) {
    const kinds = lowerList(opts.allowedKinds);
    const fallback = uiField === 'EntityPicker' || uiField === 'OwnedEntityPicker' ? ['component'] : ['group'];
    filters.push({ kind: kinds.length ? kinds : fallback });
  }
  const only = uiField === 'MyGroupsPicker' && teams.length > 0 ? new Set(teams.map((t) => t.toLowerCase())) : null;
  return { filters, only };
}

function optionLabel(v: EntityView): string {
  const title = v.entity.metadata.title;
  const short = shortRef(v.ref);
  return title && title !== v.name ? `${title} (${short})` : short;
}

/** OwnerPicker, MyGroupsPicker, EntityPicker: a select of catalog entities; the value is the entity ref. */
function EntityPickerControl({ field, id, value, error, describedBy, onChange, onBlur }: ControlProps) {
  const { api, user } = useSession();
  const query = pickerQuery(field, user.teams);
  const key = JSON.stringify([query.filters, query.only ? [...query.only] : null]);
  const options = useAsync(
    async (signal) => {
      const pages = await Promise.all(query.filters.map((filter) => api.listEntities({ filter, limit: 500, orderBy: 'metadata.name' }, signal)));
      const byRef = new Map<string, EntityView>();
      for (const p of pages) for (const v of p.items) if (!query.only || query.only.has(v.ref)) byRef.set(v.ref, v);
      return [...byRef.values()].map((v) => ({ value: v.ref, label: optionLabel(v) })).sort((a, b) => a.label.localeCompare(b.label));
    },
    [api, key],
  );
  const current = typeof value === 'string' ? value : '';
  const items = options.data ?? [];
  const known = current === '' || items.some((o) => o.value === current.toLowerCase());
  // A value typed elsewhere (a default, a short ref) is matched to its option; the server accepts both forms.
  useEffect(() => {
    if (current && !current.includes(':') && options.data) {
      const match = options.data.find((o) => o.value.endsWith(`/${current.toLowerCase()}`));
      if (match) onChange(match.value);
    }
    // Runs only when the options arrive; the value and onChange of that moment are the ones to use.
  }, [options.data]);
  const noun = query.filters.every((f) => f.kind?.length === 1 && f.kind[0] === 'group') ? 'team' : 'entity';
  // Members may only create things for their own teams: those come first.
  const mine = new Set(user.teams.map((t) => t.toLowerCase()));
  const own = items.filter((o) => mine.has(o.value));
  const others = items.filter((o) => !mine.has(o.value));
  const render = (list: typeof items) =>
    list.map((o) => (
      <option key={o.value} value={o.value}>
        {o.label}
      </option>
    ));
  return (
    <>
      <select
        id={id}
        className="input"
        value={current.toLowerCase()}
        aria-describedby={describedBy}
        aria-invalid={error ? true : undefined}
        aria-required={field.required || undefined}
        aria-busy={options.loading || undefined}
        autoFocus={field.schema['ui:autofocus'] === true}
        onBlur={onBlur}
        onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
      >
        <option value="">{options.loading && !options.data ? 'Loading…' : `Choose a ${noun}…`}</option>
        {!known && <option value={current.toLowerCase()}>{current} (not in the catalog)</option>}
        {own.length > 0 && others.length > 0 ? (
          <>
            <optgroup label="Your teams">{render(own)}</optgroup>
            <optgroup label="Others">{render(others)}</optgroup>
          </>
        ) : (
          render(items)
        )}
      </select>
      {options.error && <p className="field-error">Could not load the choices: {options.error.message}</p>}
      {options.data && items.length === 0 && <p className="field-help">The catalog has no matching entities to choose from.</p>}
    </>
  );
}
