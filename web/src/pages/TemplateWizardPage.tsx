import { useEffect, useRef, useState, type FormEvent } from 'react';
import { toApiError, type ApiError, type DryRunResult, type JsonSchema, type Problem, type TemplateDetail } from '../api.js';
import { EntityRefLink } from '../components/EntityRefLink.js';
import { ErrorPanel } from '../components/ErrorPanel.js';
import { ProblemList } from '../components/ProblemList.js';
import { SchemaForm } from '../components/SchemaForm.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { StepList } from '../components/StepList.js';
import { TagList } from '../components/TagList.js';
import { TaskLog } from '../components/TaskLog.js';
import { checkField, checkPage, defaultsOf, effectiveValue, fieldsOf, problemField, problemText, valuesToSend, type ParameterField } from '../parameterSchema.js';
import { Link, navigate } from '../router.js';
import { useSession } from '../session.js';
import { useAsync } from '../useAsync.js';

export interface TemplateWizardPageProps {
  namespace: string;
  name: string;
}

/** Runs a template: one step per parameter page, then a review with a dry run, then Create. */
export function TemplateWizardPage({ namespace, name }: TemplateWizardPageProps) {
  const { api } = useSession();
  const template = useAsync((signal) => api.getTemplate(namespace, name, signal), [api, namespace, name]);

  if (template.error) {
    return (
      <div className="page">
        <Breadcrumbs title={name} />
        <ErrorPanel
          error={template.error}
          context={template.error.status === 404 ? `There is no template ${namespace}/${name}` : `Could not load the template ${name}`}
          onRetry={template.error.status === 404 ? undefined : template.reload}
        />
        <p>
          <Link to="/create">Back to the templates</Link>
        </p>
      </div>
    );
  }
  if (!template.data) {
    return (
      <div className="page">
        <Breadcrumbs title={name} />
        <p className="muted" role="status">
          Loading the template…
        </p>
      </div>
    );
  }
  return <Wizard key={template.data.ref} template={template.data} />;
}

function Breadcrumbs({ title }: { title: string }) {
  return (
    <nav className="breadcrumbs" aria-label="Breadcrumb">
      <Link to="/create">Create</Link>
      <span aria-hidden="true">/</span>
      <span aria-current="page">{title}</span>
    </nav>
  );
}

function pageTitle(page: JsonSchema, i: number): string {
  return typeof page.title === 'string' && page.title ? page.title : `Step ${i + 1}`;
}

/** Where each field lives, so a server problem can send the user back to the right page. */
function pageIndexOf(pages: JsonSchema[], field: string): number {
  return pages.findIndex((p) => fieldsOf(p).some((f) => f.name === field));
}

interface ServerNotice {
  mapped: number;
  other: Problem[];
}

function Wizard({ template }: { template: TemplateDetail }) {
  const { api } = useSession();
  const pages = template.parameters;
  const reviewIndex = pages.length;
  const [step, setStep] = useState(0);
  const [values, setValues] = useState<Record<string, unknown>>(() => defaultsOf(pages));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [focus, setFocus] = useState<string | null>(null);
  const [notice, setNotice] = useState<ServerNotice | null>(null);
  const [dry, setDry] = useState<DryRunResult | null>(null);
  const [busy, setBusy] = useState<'dry-run' | 'create' | null>(null);
  const [actionError, setActionError] = useState<{ context: string; error: ApiError } | null>(null);
  const edited = useRef(new Set<string>());

  useEffect(() => {
    if (!focus) return;
    document.getElementById(`param-${focus}`)?.focus();
    setFocus(null);
  }, [focus]);

  const fieldByName = (n: string): ParameterField | undefined => pages.flatMap((p) => fieldsOf(p)).find((f) => f.name === n);

  const change = (n: string, v: unknown) => {
    edited.current.add(n);
    setValues((old) => ({ ...old, [n]: v }));
    setDry(null);
    setActionError(null);
    // A field already marked is re-checked as it is edited, so the message goes as soon as it is fixed.
    if (errors[n]) {
      const f = fieldByName(n);
      const m = f ? checkField(f, v) : null;
      setErrors((old) => {
        const next = { ...old };
        if (m) next[n] = m;
        else delete next[n];
        return next;
      });
    }
  };

  const blur = (n: string) => {
    const f = fieldByName(n);
    if (!f) return;
    // Tabbing through an empty field does not nag; emptying one, or Next, says it is required.
    if (effectiveValue(values[n]) === undefined && !edited.current.has(n) && !errors[n]) return;
    const m = checkField(f, values[n]);
    setErrors((old) => {
      const next = { ...old };
      if (m) next[n] = m;
      else delete next[n];
      return next;
    });
  };

  /** Checks a page; marks its problems and focuses the first. */
  const pageIsValid = (i: number): boolean => {
    const page = pages[i];
    if (!page) return true;
    const found = checkPage(page, values);
    const names = fieldsOf(page).map((f) => f.name);
    setErrors((old) => {
      const next = { ...old };
      for (const n of names) delete next[n];
      return { ...next, ...found };
    });
    const first = names.find((n) => found[n]);
    if (first) setFocus(first);
    return !first;
  };

  const goTo = (i: number) => {
    setStep(i);
    window.scrollTo(0, 0);
  };

  const next = (e: FormEvent) => {
    e.preventDefault();
    if (pageIsValid(step)) goTo(step + 1);
  };

  /** Puts a 422's field problems under their fields and goes to the first page that has one. */
  const showProblems = (err: ApiError): boolean => {
    const byField: Record<string, string> = {};
    const other: Problem[] = [];
    for (const p of err.problems) {
      const f = problemField(p);
      if (f && pageIndexOf(pages, f) >= 0) byField[f] ??= problemText(p);
      else other.push(p);
    }
    const fields = Object.keys(byField);
    if (fields.length === 0) return false;
    setErrors(byField);
    setNotice({ mapped: fields.length, other });
    const first = Math.min(...fields.map((f) => pageIndexOf(pages, f)));
    goTo(first);
    setFocus(fields.find((f) => pageIndexOf(pages, f) === first) ?? null);
    return true;
  };

  const send = () => valuesToSend(pages, values);

  const dryRun = async () => {
    setBusy('dry-run');
    setActionError(null);
    setNotice(null);
    try {
      setDry(await api.dryRun(template.namespace, template.name, send()));
    } catch (e) {
      const err = toApiError(e);
      if (!(err.status === 422 && showProblems(err))) setActionError({ context: 'The dry run did not run', error: err });
    } finally {
      setBusy(null);
    }
  };

  const create = async () => {
    setBusy('create');
    setActionError(null);
    setNotice(null);
    try {
      const task = await api.createTask(template.ref, send());
      navigate(`/tasks/${encodeURIComponent(task.id)}`);
    } catch (e) {
      const err = toApiError(e);
      if (err.status === 422 && showProblems(err)) return;
      const context =
        err.status === 409 ? 'Nothing was created: it would clash with something that exists' : err.status === 403 ? 'You may not run this template with these values' : 'The task was not created';
      setActionError({ context, error: err });
    } finally {
      setBusy(null);
    }
  };

  const pageErrors = pages.map((p) => fieldsOf(p).some((f) => errors[f.name]));
  const page = pages[step];

  return (
    <div className="page">
      <Breadcrumbs title={template.title} />
      <header className="card template-header">
        <p className="eyebrow">{template.type || 'template'}</p>
        <h1 data-testid="template-title">{template.title}</h1>
        {template.description && <p className="entity-description">{template.description}</p>}
        <dl className="facts">
          <div>
            <dt>Owner</dt>
            <dd>{template.owner ? <EntityRefLink entityRef={template.owner} defaultKind="group" preferTeamPage /> : <span className="muted">none</span>}</dd>
          </div>
          <div>
            <dt>Version</dt>
            <dd data-testid="template-version">{template.version}</dd>
          </div>
          <div>
            <dt>Ref</dt>
            <dd>
              <code>{template.ref}</code>
            </dd>
          </div>
          <div>
            <dt>Tags</dt>
            <dd>
              <TagList tags={template.tags} />
            </dd>
          </div>
        </dl>
      </header>

      <ol className="stepper" aria-label="Steps">
        {[...pages.map(pageTitle), 'Review'].map((title, i) => {
          const state = i < step ? 'done' : i === step ? 'current' : 'upcoming';
          const marked = pageErrors[i] === true;
          const inner = (
            <>
              <span className="stepper-num" aria-hidden="true">
                {marked ? '!' : state === 'done' ? '✓' : i + 1}
              </span>
              <span className="stepper-title">{title}</span>
              {marked && <span className="visually-hidden"> (has problems)</span>}
            </>
          );
          return (
            <li key={i} className={`stepper-step ${state}${marked ? ' has-error' : ''}`} aria-current={i === step ? 'step' : undefined}>
              {i < step ? (
                <button type="button" className="stepper-button" onClick={() => goTo(i)}>
                  {inner}
                </button>
              ) : (
                <span className="stepper-button">{inner}</span>
              )}
            </li>
          );
        })}
      </ol>

      {notice && (
        <div className="notice notice-warning" role="alert" data-testid="server-problems">
          <div>
            <strong>The server did not accept {notice.mapped === 1 ? 'one value' : `${notice.mapped} values`}.</strong>{' '}
            {notice.mapped === 1 ? 'The reason is shown under the field.' : 'Each reason is shown under its field.'}
            {notice.other.length > 0 && <ProblemList problems={notice.other} />}
          </div>
          <button type="button" className="btn btn-link" onClick={() => setNotice(null)}>
            Dismiss
          </button>
        </div>
      )}

      {page ? (
        <form className="card wizard-card" onSubmit={next} noValidate aria-labelledby="wizard-page-title">
          <h2 id="wizard-page-title">{pageTitle(page, step)}</h2>
          {typeof page.description === 'string' && <p className="muted">{page.description}</p>}
          <SchemaForm key={step} page={page} values={values} errors={errors} onChange={change} onBlur={blur} />
          <div className="wizard-actions">
            {step > 0 && (
              <button type="button" className="btn" onClick={() => goTo(step - 1)}>
                Back
              </button>
            )}
            <button type="submit" className="btn btn-primary">
              {step + 1 === reviewIndex ? 'Review' : 'Next'}
            </button>
          </div>
        </form>
      ) : (
        <Review
          template={template}
          values={values}
          onEdit={goTo}
          onBack={() => goTo(Math.max(0, step - 1))}
          onDryRun={dryRun}
          onCreate={create}
          busy={busy}
          dry={dry}
          actionError={actionError}
        />
      )}
    </div>
  );
}

interface ReviewProps {
  template: TemplateDetail;
  values: Record<string, unknown>;
  onEdit: (page: number) => void;
  onBack: () => void;
  onDryRun: () => void;
  onCreate: () => void;
  busy: 'dry-run' | 'create' | null;
  dry: DryRunResult | null;
  actionError: { context: string; error: ApiError } | null;
}

function Review({ template, values, onEdit, onBack, onDryRun, onCreate, busy, dry, actionError }: ReviewProps) {
  const { user } = useSession();
  const viewer = user.role === 'viewer';
  const pages = template.parameters;
  return (
    <>
      <section className="card" aria-labelledby="review-title">
        <h2 id="review-title">Review</h2>
        {pages.length === 0 && <p className="muted">This template asks for no values.</p>}
        <div className="review-pages" data-testid="review">
          {pages.map((page, i) => (
            <div key={i} className="review-page">
              <div className="review-page-head">
                <h3>{pageTitle(page, i)}</h3>
                <button type="button" className="btn btn-link btn-small" onClick={() => onEdit(i)}>
                  Edit
                </button>
              </div>
              <dl className="kv compact">
                {fieldsOf(page)
                  .filter((f) => f.widget !== 'hidden')
                  .map((f) => (
                    <div className="kv-row" key={f.name} data-field={f.name}>
                      <dt>{f.label}</dt>
                      <dd>
                        <ReviewValue field={f} value={effectiveValue(values[f.name])} />
                      </dd>
                    </div>
                  ))}
              </dl>
            </div>
          ))}
        </div>
        <div className="wizard-actions">
          <button type="button" className="btn" onClick={onBack} disabled={busy !== null}>
            Back
          </button>
          <span className="wizard-actions-gap" />
          <button type="button" className="btn" onClick={onDryRun} disabled={busy !== null}>
            {busy === 'dry-run' ? 'Running…' : 'Dry run'}
          </button>
          <button type="button" className="btn btn-primary" onClick={onCreate} disabled={busy !== null || viewer}>
            {busy === 'create' ? 'Creating…' : 'Create'}
          </button>
        </div>
        {viewer && <p className="muted small wizard-note">Your role is viewer: you can review and dry-run a template, but not create from it.</p>}
        {actionError && <ErrorPanel error={actionError.error} context={actionError.context} />}
      </section>
      {dry && <DryRunView dry={dry} />}
    </>
  );
}

function ReviewValue({ field, value }: { field: ParameterField; value: unknown }) {
  if (value === undefined) return <span className="muted">not set</span>;
  const s = field.schema;
  switch (field.widget) {
    case 'password':
      return <span title="Secrets are passed to the task and never stored">•••••••• (secret)</span>;
    case 'checkbox':
      return <span>{value === true ? 'Yes' : 'No'}</span>;
    case 'entity-picker':
      return typeof value === 'string' ? <EntityRefLink entityRef={value} showKind preferTeamPage /> : <code>{JSON.stringify(value)}</code>;
    case 'select': {
      const i = Array.isArray(s.enum) ? s.enum.findIndex((e) => JSON.stringify(e) === JSON.stringify(value)) : -1;
      const names = Array.isArray(s.enumNames) ? s.enumNames : [];
      const label = i >= 0 && typeof names[i] === 'string' ? names[i] : String(value);
      return <span>{label}</span>;
    }
    case 'string-list':
    case 'multi-select':
      return Array.isArray(value) ? (
        <ul className="kv-inline">
          {value.map((v, i) => (
            <li key={i}>{String(v)}</li>
          ))}
        </ul>
      ) : (
        <span>{String(value)}</span>
      );
    case 'json':
      return <code>{JSON.stringify(value)}</code>;
    default:
      return <span className="review-text">{String(value)}</span>;
  }
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function DryRunView({ dry }: { dry: DryRunResult }) {
  const [selected, setSelected] = useState<string | null>(() => (dry.files.find((f) => f.path === 'README.md') ?? dry.files[0])?.path ?? null);
  const file = dry.files.find((f) => f.path === selected);
  const failed = dry.error ? dry.steps.find((s) => s.id === dry.error?.stepId) : undefined;
  const stepNames = Object.fromEntries(dry.steps.map((s) => [s.id, s.name]));
  const box = useRef<HTMLElement>(null);
  // The answer lands below the fold of the review; bring it into view once, when it arrives.
  useEffect(() => {
    box.current?.scrollIntoView({ block: 'start' });
  }, []);
  return (
    <section ref={box} className="card" aria-labelledby="dry-title" data-testid="dry-run">
      <div className="card-header">
        <h2 id="dry-title">Dry run</h2>
        {dry.ok ? <StatusBadge tone="ok">Would succeed</StatusBadge> : <StatusBadge tone="error">Would fail</StatusBadge>}
      </div>
      <p className="muted">Nothing was created. This is what Create would do with these values.</p>
      {dry.error && (
        <div className="error-panel" role="alert">
          <p className="error-title">
            <span className="error-glyph" aria-hidden="true">
              ✕
            </span>
            Step “{failed?.name ?? dry.error.stepId}” would fail
          </p>
          <p className="error-detail">{dry.error.message}</p>
        </div>
      )}
      {(dry.plan.repos.length > 0 || dry.plan.entities.length > 0) && (
        <dl className="facts plan" data-testid="dry-run-plan">
          {dry.plan.repos.length > 0 && (
            <div>
              <dt>Would create {dry.plan.repos.length === 1 ? 'repository' : 'repositories'}</dt>
              <dd>
                {dry.plan.repos.map((r) => (
                  <code key={r}>{r}</code>
                ))}
              </dd>
            </div>
          )}
          {dry.plan.entities.length > 0 && (
            <div>
              <dt>Would register</dt>
              <dd>
                {dry.plan.entities.map((e) => (
                  <code key={e}>{e}</code>
                ))}
              </dd>
            </div>
          )}
        </dl>
      )}

      <h3>
        Files <span className="count">{dry.files.length}</span>
      </h3>
      {dry.files.length === 0 ? (
        <p className="muted">No files would be written.</p>
      ) : (
        <div className="dry-files">
          <ul className="file-list" aria-label="Files">
            {dry.files.map((f) => (
              <li key={f.path}>
                <button
                  type="button"
                  className={f.path === selected ? 'file-button active' : 'file-button'}
                  aria-pressed={f.path === selected}
                  onClick={() => setSelected(f.path)}
                  data-testid="dry-run-file"
                >
                  <span className="file-path">{f.path}</span>
                  <span className="file-size">
                    {f.executable && 'executable · '}
                    {formatSize(f.size)}
                  </span>
                </button>
              </li>
            ))}
          </ul>
          <div className="file-view">
            {file && (
              <>
                <p className="file-view-head">
                  <code>{file.path}</code>
                  {file.executable && <StatusBadge tone="neutral">executable</StatusBadge>}
                  <span className="muted small">{formatSize(file.size)}</span>
                </p>
                {file.content === null ? (
                  <p className="muted">Binary, or larger than 256 KiB: not shown.</p>
                ) : (
                  <pre className="code-block" tabIndex={0} aria-label={`Contents of ${file.path}`} data-testid="dry-run-content">
                    {file.content}
                  </pre>
                )}
              </>
            )}
          </div>
        </div>
      )}

      <h3>Steps</h3>
      <StepList steps={dry.steps} />
      {dry.log.length > 0 && (
        <details className="dry-log">
          <summary>Log ({dry.log.length} lines)</summary>
          <TaskLog lines={dry.log} stepNames={stepNames} />
        </details>
      )}
    </section>
  );
}
