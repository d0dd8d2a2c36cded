// Operational errors: one class with a stable code, the file and byte offset where known, and the cause.

export const ERROR_CODES = [
  'HAYSTACK_BAD_ARGUMENT',
  'HAYSTACK_BAD_OPTION',
  'HAYSTACK_CAPTURE_FORMAT',
  'HAYSTACK_CAPTURE_TRUNCATED',
  'HAYSTACK_CAPTURE_CORRUPT',
  'HAYSTACK_IO',
  'HAYSTACK_OUTPUT',
  'HAYSTACK_STORE',
  'HAYSTACK_LOG_FORMAT',
  /** a body (upload) over the size the server accepts */
  'HAYSTACK_TOO_LARGE',
  /** a record asked for by its key (a session uid) is not in the store */
  'HAYSTACK_NOT_FOUND',
  /** what a record points to (the capture a session came from) moved or changed since it was ingested */
  'HAYSTACK_GONE',
  /** a query ran past the time limit its caller set (the console server's) */
  'HAYSTACK_TIMEOUT',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface HaystackErrorOptions {
  cause?: unknown;
  /** input the error is about (path, or "-" for stdin) */
  file?: string;
  /** byte offset in the (decompressed) input where the problem starts */
  offset?: number;
}

/** An operational failure (bad input file, bad option, I/O). Malformed traffic is never one: it is an anomaly. */
export class HaystackError extends Error {
  readonly code: ErrorCode;
  readonly file: string | undefined;
  readonly offset: number | undefined;

  constructor(code: ErrorCode, message: string, options: HaystackErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HaystackError';
    this.code = code;
    this.file = options.file;
    this.offset = options.offset;
  }
}

export function isHaystackError(e: unknown, code?: ErrorCode): e is HaystackError {
  return e instanceof HaystackError && (code === undefined || e.code === code);
}

/**
 * A failed write to an output (stdout, a file or directory a verb writes): "cannot write out.csv: no space left
 * on device (ENOSPC)". Its own code: the engine takes HAYSTACK_IO for an unreadable input and goes on with the
 * next one, while an output that cannot be written ends the run.
 */
export function cannotWrite(target: string, cause: unknown): HaystackError {
  const err = (typeof cause === 'object' && cause !== null ? cause : {}) as { message?: unknown; code?: unknown };
  const message = typeof err.message === 'string' ? err.message : String(cause);
  // Node's system errors read "ENOSPC: no space left on device, write": the words in the middle
  const words = /^[A-Z0-9_]+: (.+?)(?:, [a-z]+\b.*)?$/.exec(message)?.[1] ?? message;
  const code = typeof err.code === 'string' ? ` (${err.code})` : '';
  return new HaystackError('HAYSTACK_OUTPUT', `cannot write ${target}: ${words}${code}`, { file: target, cause });
}
