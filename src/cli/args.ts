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
