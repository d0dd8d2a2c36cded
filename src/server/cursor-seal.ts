// Page cursors as the API hands them out: the store's cursor sealed with AES-256-GCM under a key made when
// the server starts, bound to the account and the query's table. A client can neither read one (an alerts
// cursor holds row values, payload included) nor forge or alter one (a cursor claiming rows already seen);
// a restart, another account or another table makes it a clear 400.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { HttpError } from './errors.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class CursorSeal {
  private readonly key = randomBytes(32);

  seal(cursor: string, bind: string): string {
    const iv = randomBytes(IV_BYTES);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    c.setAAD(Buffer.from(bind));
    const body = Buffer.concat([c.update(cursor, 'utf8'), c.final()]);
    return Buffer.concat([iv, body, c.getAuthTag()]).toString('base64url');
  }

  open(token: string, bind: string): string {
    const raw = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, 'base64url') : Buffer.alloc(0);
    // only the exact text this server wrote (a decoder ignores stray trailing characters)
    if (raw.length < IV_BYTES + TAG_BYTES + 1 || raw.toString('base64url') !== token) throw bad();
    try {
      const d = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      d.setAAD(Buffer.from(bind));
      d.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      return Buffer.concat([d.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), d.final()]).toString('utf8');
    } catch {
      throw bad();
    }
  }
}

function bad(): HttpError {
  return new HttpError(400, 'after: not a cursor this server gave for this query (cursors end with a server restart)');
}
