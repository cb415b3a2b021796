import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { toApiError, type ApiError } from '../api.js';
import { shortRef } from '../entityRef.js';
import { useSession } from '../session.js';
import { ErrorPanel } from './ErrorPanel.js';

/** The survey's scale, 1 to 5, as the widget and the platform page label it. */
export const SCORE_LABELS = ['Poor', 'Fair', 'OK', 'Good', 'Great'] as const;

interface SurveyAnswer {
  id: string;
  anonymous: boolean;
  team: string | null;
}

/**
 * The developer survey in the portal's header: "Rate Gantry" opens a small form (a score from 1 to 5, an optional
 * comment, answering anonymously) that POSTs /api/survey and then thanks the person. One answer per person per
 * week counts; a second one replaces the first (anonymous answers keep only the team).
 */
export function SurveyWidget() {
  const { api } = useSession();
  const [open, setOpen] = useState(false);
  const [score, setScore] = useState<number | null>(null);
  const [comment, setComment] = useState('');
  const [anonymous, setAnonymous] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<SurveyAnswer | null>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  const firstField = useRef<HTMLInputElement>(null);
  const closeButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    if (done) closeButton.current?.focus();
    else firstField.current?.focus();
  }, [open, done]);

  const show = () => {
    if (done) {
      setDone(null);
      setScore(null);
      setComment('');
      setAnonymous(false);
    }
    setError(null);
    setOpen(true);
  };
  const close = () => {
    setOpen(false);
    toggle.current?.focus();
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (score === null) return;
    setBusy(true);
    setError(null);
    try {
      const answer = await api.request<SurveyAnswer>('POST', '/survey', { body: { score, ...(comment.trim() ? { comment: comment.trim() } : {}), anonymous } });
      setDone(answer);
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      close();
    }
  };

  return (
    <div className="survey-widget" onKeyDown={onKeyDown}>
      <button
        ref={toggle}
        type="button"
        className={open ? 'btn btn-small survey-toggle active' : 'btn btn-small survey-toggle'}
        aria-expanded={open}
        aria-controls="survey-panel"
        onClick={() => (open ? close() : show())}
        data-testid="survey-open"
      >
        <span aria-hidden="true">★</span> Rate Gantry
      </button>
      {open && (
        <div id="survey-panel" className="survey-panel" role="dialog" aria-labelledby="survey-title" data-testid="survey-panel">
          {done ? (
            <div className="survey-thanks" role="status" data-testid="survey-thanks">
              <h2 id="survey-title">Thank you!</h2>
              <p>
                Your answer was recorded{done.anonymous ? ' anonymously' : ''}
                {done.team ? `, counted for ${shortRef(done.team, { kind: 'group' })}` : ''}.
              </p>
              <p className="muted small">
                {done.anonymous
                  ? 'Your name was not kept, only your team for its average.'
                  : 'Answer again any time: your newest answer of the week replaces the older one.'}
              </p>
              <div className="survey-actions">
                <button ref={closeButton} type="button" className="btn btn-small" onClick={close}>
                  Close
                </button>
              </div>
            </div>
          ) : (
            <form onSubmit={submit} data-testid="survey-form">
              <h2 id="survey-title">How well does Gantry work for you?</h2>
              <fieldset className="survey-scores">
                <legend className="field-label">Your score</legend>
                {SCORE_LABELS.map((label, i) => {
                  const value = i + 1;
                  return (
                    <label key={value} className={score === value ? 'survey-score checked' : 'survey-score'}>
                      <input
                        ref={i === 0 ? firstField : undefined}
                        type="radio"
                        name="survey-score"
                        aria-label={`${value} – ${label}`}
                        value={value}
                        checked={score === value}
                        onChange={() => setScore(value)}
                      />
                      <span className="survey-score-number">{value}</span>
                      <span className="survey-score-label">{label}</span>
                    </label>
                  );
                })}
              </fieldset>
              <label htmlFor="survey-comment" className="field-label">
                Comment <span className="muted">(optional)</span>
              </label>
              <textarea
                id="survey-comment"
                className="input textarea"
                rows={3}
                maxLength={2000}
                value={comment}
                onChange={(e) => setComment(e.target.value)}
                placeholder="What works, what gets in your way?"
              />
              <label className="checkbox-label survey-anonymous">
                <input type="checkbox" checked={anonymous} onChange={(e) => setAnonymous(e.target.checked)} />
                Answer anonymously
              </label>
              <p className="field-help">Anonymous answers keep only your team, for its average.</p>
              {error && (
                <div data-testid="survey-error">
                  <ErrorPanel error={error} context="Your answer was not recorded" />
                </div>
              )}
              <div className="survey-actions">
                <button type="button" className="btn btn-small" onClick={close}>
                  Cancel
                </button>
                <button type="submit" className="btn btn-small btn-primary" disabled={busy || score === null} data-testid="survey-submit">
                  {busy ? 'Sending…' : 'Send'}
                </button>
              </div>
            </form>
          )}
        </div>
      )}
    </div>
  );
}
