import { InputError } from '../core/errors.js';

/**
 * Normalises a caller's time to the store's format (`toISOString()`: UTC with milliseconds), which sorts
 * correctly as text on both databases. `field` names the input in the error message.
 */
export function isoTime(value: string | Date, field: string): string {
  const d = value instanceof Date ? value : new Date(value);
  if (typeof value === 'string' && value.trim() === '') {
    throw new InputError(`${field}: expected an ISO-8601 time, found an empty string`, {
      problems: [{ code: 'invalid_time', path: field, message: 'expected an ISO-8601 time, found an empty string' }],
    });
  }
  if (Number.isNaN(d.getTime())) {
    const message = `expected an ISO-8601 time such as 2024-05-01T12:00:00Z, found ${JSON.stringify(String(value))}`;
    throw new InputError(`${field}: ${message}`, { problems: [{ code: 'invalid_time', path: field, message }] });
  }
  return d.toISOString();
}
