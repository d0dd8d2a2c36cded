// Validation of limit options: a bad value is an error, never a silent fallback to the default.
import { HaystackError } from './errors.js';

/**
 * Returns `value` if it is a non-negative safe integer, `fallback` when it is undefined.
 * Anything else (NaN, negative, fractional, a string) throws: a limit that can be turned off by a typo is
 * a limit an attacker can turn off.
 */
export function limitOption(name: string, value: number | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new HaystackError('HAYSTACK_BAD_OPTION', `option ${name} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

/**
 * Returns `value` if, written into a row as a JSON string, it weighs at most `maxBytes` (a label the user gives,
 * like a sensor name, must fit its field's bound); undefined and null pass. Longer is an error, never a cut.
 */
export function textOption(name: string, value: string | null | undefined, maxBytes: number, weigh: (s: string) => number): string | null {
  if (value === undefined || value === null) return null;
  const w = weigh(value);
  if (w > maxBytes) throw new HaystackError('HAYSTACK_BAD_OPTION', `option ${name} must be at most ${maxBytes} bytes as JSON, got ${w}`);
  return value;
}
