// Reading request inputs: query parameters and JSON bodies, each bounded and typed, refused with 400 naming
// the parameter (never passed on unchecked).
import { HaystackError } from '../core/errors.js';
import type { Ctx } from './context.js';
import { HttpError } from './errors.js';

/** The longest query parameter taken (a filter of 500 terms fits; 100 KB of text does not). */
export const MAX_PARAM_CHARS = 16 * 1024;
/** The largest JSON body taken by routes that are not uploads. */
export const MAX_JSON_BYTES = 64 * 1024;

/** A query parameter, or undefined; refused when longer than MAX_PARAM_CHARS or given twice. */
export function param(c: Ctx, name: string): string | undefined {
  const all = c.req.queries(name);
  if (all === undefined || all.length === 0) return undefined;
  if (all.length > 1) throw new HttpError(400, `parameter ${name} given ${all.length} times`);
  const v = all[0]!;
  if (v.length > MAX_PARAM_CHARS) throw new HttpError(400, `parameter ${name} is longer than ${MAX_PARAM_CHARS} characters`);
  return v;
}

/** An integer parameter within [min, max], or the default. */
export function intParam(c: Ctx, name: string, min: number, max: number, dflt: number): number {
  const v = param(c, name);
  if (v === undefined || v === '') return dflt;
  if (!/^-?\d{1,16}$/.test(v)) throw new HttpError(400, `parameter ${name}: not an integer`);
  const n = Number(v);
  if (n < min || n > max) throw new HttpError(400, `parameter ${name}: must be between ${min} and ${max}`);
  return n;
}

/** One of a fixed set of words, or the default. */
export function enumParam<T extends string>(c: Ctx, name: string, values: readonly T[], dflt: T): T {
  const v = param(c, name);
  if (v === undefined || v === '') return dflt;
  if (!(values as readonly string[]).includes(v)) throw new HttpError(400, `parameter ${name}: must be one of ${values.join(', ')}`);
  return v as T;
}

/** The JSON object of a request body (Content-Type application/json, at most MAX_JSON_BYTES). */
export async function jsonBody(c: Ctx): Promise<Record<string, unknown>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new HttpError(415, 'the body must be application/json');
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > MAX_JSON_BYTES) throw new HttpError(413, `the body is larger than ${MAX_JSON_BYTES} bytes`);
  const text = await c.req.text();
  if (Buffer.byteLength(text) > MAX_JSON_BYTES) throw new HttpError(413, `the body is larger than ${MAX_JSON_BYTES} bytes`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `the body is not JSON: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HttpError(400, 'the body must be a JSON object');
  return v as Record<string, unknown>;
}

/** A string member of a body, bounded; required unless a default is given. */
export function bodyString(b: Record<string, unknown>, name: string, max = MAX_PARAM_CHARS, dflt?: string | null): string {
  const v = b[name];
  if (v === undefined && dflt !== undefined && dflt !== null) return dflt;
  if (typeof v !== 'string') throw new HttpError(400, `"${name}" must be a string`);
  if (v.length > max) throw new HttpError(400, `"${name}" is longer than ${max} characters`);
  return v;
}

/**
 * A validation failure (bad argument or option) as a 400 with its message; anything else goes on to the error
 * path, which answers 404/410/413 by code and a bare 500 for store and I/O failures (their text, which may
 * name files and the database, stays in the server log).
 */
export function badRequest(e: unknown): never {
  if (e instanceof HaystackError && (e.code === 'HAYSTACK_BAD_ARGUMENT' || e.code === 'HAYSTACK_BAD_OPTION')) throw new HttpError(400, e.message);
  throw e;
}
