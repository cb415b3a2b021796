/** Option value parsers shared by the commands. Their errors are usage errors (exit code 2). */
import { InvalidArgumentError } from 'commander';

/** A parser for whole numbers in [min, max], for commander's `.argParser()`. */
export function integerOption(min: number, max: number = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value: string) => {
    if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected a whole number, found "${value}".`);
    const n = Number(value);
    if (n < min || n > max) {
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER ? `expected ${min} or more, found ${n}.` : `expected ${min} to ${max}, found ${n}.`,
      );
    }
    return n;
  };
}

/** Accumulates a repeatable option (`--filter a=b --filter c=d`) into an array. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** A `key=value` filter as the API takes it; rejects anything without a key and a value. */
export function filterOption(value: string, previous: string[] | undefined): string[] {
  const eq = value.indexOf('=');
  if (eq <= 0 || eq === value.length - 1) {
    throw new InvalidArgumentError(`expected key=value (e.g. spec.type=service or kind=component,api), found "${value}".`);
  }
  return collect(value, previous);
}
