// HTTP answers for failures: HaystackError codes to statuses, a JSON body with the message; anything else is a
// 500 whose detail goes to the server's stderr only.
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { HaystackError, type ErrorCode } from '../core/errors.js';

/** A failure with its HTTP status, thrown by handlers and guards. */
export class HttpError extends Error {
  constructor(readonly status: ContentfulStatusCode, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
  }
}

const STATUS: Partial<Record<ErrorCode, ContentfulStatusCode>> = {
  HAYSTACK_BAD_ARGUMENT: 400,
  HAYSTACK_BAD_OPTION: 400,
  HAYSTACK_CAPTURE_FORMAT: 400,
  HAYSTACK_CAPTURE_TRUNCATED: 400,
  HAYSTACK_CAPTURE_CORRUPT: 400,
  HAYSTACK_LOG_FORMAT: 400,
};

/** Status and client-visible message of a thrown value. */
export function httpFailure(e: unknown): { status: ContentfulStatusCode; message: string; headers: Record<string, string> } {
  if (e instanceof HttpError) return { status: e.status, message: e.message, headers: e.headers };
  if (e instanceof HaystackError) {
    const status = STATUS[e.code] ?? codeStatus(e.code);
    if (status !== 500) return { status, message: e.message, headers: {} };
  }
  return { status: 500, message: 'internal error (see the server log)', headers: {} };
}

/** Codes other issues add (not found, gone) by name, so this file need not change with them. */
function codeStatus(code: string): ContentfulStatusCode {
  if (code.endsWith('NOT_FOUND')) return 404;
  if (code.endsWith('GONE')) return 410;
  if (code.endsWith('TOO_LARGE')) return 413;
  if (code.endsWith('TIMEOUT')) return 503;
  return 500;
}
