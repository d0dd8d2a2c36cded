// Shared command-line parsing: node:util parseArgs with our errors, and the options every verb takes.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { HaystackError } from '../core/errors.js';
import { HomeNet } from '../flow/home-net.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export function parse(verb: string, argv: string[], options: Options): { values: Record<string, unknown>; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return { values: r.values as Record<string, unknown>, positionals: r.positionals };
  } catch (e) {
    throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `${verb}: ${(e as Error).message}`, { cause: e });
  }
}

export function requireInputs(verb: string, positionals: string[]): string[] {
  if (positionals.length === 0) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `${verb}: no capture given (a file, or - for stdin)`);
  return positionals;
}

/** --home-net a,b,c (repeatable); validated here so a typo fails before any work. */
export function homeNetOption(v: unknown): string[] {
  const list = (Array.isArray(v) ? v : v === undefined ? [] : [v]) as string[];
  const cidrs = list.flatMap((x) => x.split(',')).map((x) => x.trim()).filter((x) => x !== '');
  new HomeNet(cidrs);
  return cidrs;
}

export function stringOption(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/**
 * A whole-number option (a count, a limit, milliseconds): digits only, from `min` to `max` (at most 2^53 - 1, the
 * integers a number holds exactly); anything else is an error naming the option (exit 2). Undefined when absent.
 */
export function intOption(name: string, v: unknown, min: number, max: number = Number.MAX_SAFE_INTEGER): number | undefined {
  const s = stringOption(v);
  if (s === undefined) return undefined;
  const n = /^\d+$/.test(s) ? Number(s) : Number.NaN;
  if (!(Number.isSafeInteger(n) && n >= min && n <= max)) {
    throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `--${name} must be a whole number from ${min} to ${max}, got "${s}"`);
  }
  return n;
}

/** A decimal option (a ratio): digits with an optional fraction, from `min` to `max`, else an error naming it (exit 2). */
export function decimalOption(name: string, v: unknown, min: number, max: number = Number.MAX_SAFE_INTEGER): number | undefined {
  const s = stringOption(v);
  if (s === undefined) return undefined;
  const n = /^\d+(\.\d+)?$/.test(s) ? Number(s) : Number.NaN;
  if (!(n >= min && n <= max)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `--${name} must be a number from ${min} to ${max}, got "${s}"`);
  return n;
}
