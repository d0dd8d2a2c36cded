// A session's transcript from the store: its packets carved from the capture and streamed straight into the
// engine, whose reassembly feeds the transcript builder (no pcap on disk, memory bounded by the limit).
import { PassThrough } from 'node:stream';
import { HaystackError } from '../core/errors.js';
import { limitOption } from '../core/limits.js';
import type { Store } from '../store/store.js';
import { openCarve, writeCarve, type CarveOptions } from './carve.js';
import { Engine } from './engine.js';
import { TranscriptBuilder, type TranscriptFormat } from './transcript-text.js';

/** Payload bytes a transcript shows unless asked otherwise: enough for a page of any protocol dialogue. */
export const DEFAULT_TRANSCRIPT_LIMIT = 1 << 20;
/** The most it shows at all: a hex dump is ~4.4 characters per byte, so ~70 MB of text at this limit. */
export const MAX_TRANSCRIPT_LIMIT = 16 << 20;

export interface TranscriptOptions extends CarveOptions {
  format?: TranscriptFormat;
  /** payload bytes (both directions together) shown before the transcript is cut with a marker line */
  limit?: number;
}

export interface Transcript {
  uid: string;
  format: TranscriptFormat;
  /** the transcript: lines `> ` client to server, `< ` server to client, `! ` notes (gaps, the cut) */
  text: string;
  /** payload bytes shown */
  bytes: number;
  truncated: boolean;
}

/**
 * The TCP session `uid` reassembled, as text or a hex dump. HAYSTACK_NOT_FOUND and HAYSTACK_GONE as for a
 * carve; a session that is not TCP is HAYSTACK_BAD_ARGUMENT.
 * @example
 *   const t = await sessionTranscript(store, uid, { format: 'text', limit: 65536 });
 *   process.stdout.write(t.text);
 */
export async function sessionTranscript(store: Store, uid: string, opts: TranscriptOptions = {}): Promise<Transcript> {
  const format = opts.format ?? 'text';
  if (format !== 'text' && format !== 'hex') throw new HaystackError('HAYSTACK_BAD_OPTION', `transcript format must be text or hex, got "${String(format)}"`);
  const limit = limitOption('limit', opts.limit, DEFAULT_TRANSCRIPT_LIMIT, 1);
  if (limit > MAX_TRANSCRIPT_LIMIT) throw new HaystackError('HAYSTACK_BAD_OPTION', `transcript limit is at most ${MAX_TRANSCRIPT_LIMIT} bytes, got ${limit}`);
  const plan = await openCarve(store, uid, opts);
  if (plan.source.proto !== 'tcp') {
    throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `session ${uid} is ${plan.source.proto}: transcripts are of TCP sessions`);
  }
  const builder = new TranscriptBuilder(format, limit);
  let made = false;
  const engine = new Engine({}, {
    // the carved pcap holds this one session: its TCP streams go to the builder
    streams: () => {
      if (made) return null;
      made = true;
      return builder;
    },
  });
  const pipe = new PassThrough();
  const carving = writeCarve(plan, pipe);
  // once the builder is full the engine stops reading; the carve then finds its output closed
  const reading = (async (): Promise<void> => {
    try {
      const r = await engine.inputFrom(`session ${uid}`, readUntilFull(pipe, builder));
      engine.flows.flush();
      if (r.error !== null && !builder.truncated) throw r.error;
    } finally {
      pipe.destroy();
    }
  })();
  const [carved, read] = await Promise.allSettled([carving, reading]);
  if (read.status === 'rejected') throw read.reason;
  if (carved.status === 'rejected' && !builder.truncated) throw carved.reason;
  return { uid: plan.source.uid, format, text: builder.result(), bytes: builder.shown, truncated: builder.truncated };
}

/** The carved bytes until the transcript is full. */
async function* readUntilFull(pipe: PassThrough, builder: TranscriptBuilder): AsyncGenerator<Uint8Array> {
  for await (const chunk of pipe) {
    yield chunk as Uint8Array;
    if (builder.truncated) return;
  }
}
