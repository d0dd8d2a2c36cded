// Uploads: a body streamed to a private file with a safe name, refused past the size cap with nothing kept, then
// ingested into an open store like any file; concurrent ingests of one store wait their turn.
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHaystackError } from '../src/core/errors.js';
import { ingestOne } from '../src/pipeline/ingest-one.js';
import { MAX_UPLOAD_NAME, receiveUpload, sanitizeUploadName } from '../src/pipeline/upload.js';
import { openStore } from '../src/store/open.js';
import type { Store } from '../src/store/store.js';
import { scratchDir } from './helpers/cli.js';
import { GEN } from './helpers/run.js';

const dir = scratchDir('upload');
const SMTP = join(GEN, 'smtp-attachments.pcap');
const SIZE = statSync(SMTP).size;

describe('receiveUpload', () => {
  it('writes the body to a new 0600 file in the directory, under a sanitised name', async () => {
    const up = join(dir, 'up1');
    const path = await receiveUpload(createReadStream(SMTP, { highWaterMark: 4096 }), up, { maxBytes: SIZE, name: '../../etc/mail capture.pcap' });
    expect(join(path, '..')).toBe(up);
    expect(basename(path)).toMatch(/^\d+-[0-9a-f]{12}-mail_capture\.pcap$/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(up).mode & 0o777).toBe(0o700);
    expect(readFileSync(path).equals(readFileSync(SMTP))).toBe(true);
    expect(readdirSync(up)).toEqual([basename(path)]);
    // a web stream (what a fetch-style request body is) does as well
    const again = await receiveUpload(Readable.toWeb(createReadStream(SMTP)) as AsyncIterable<Uint8Array>, up, { maxBytes: SIZE });
    expect(readFileSync(again).equals(readFileSync(SMTP))).toBe(true);
    expect(basename(again)).toMatch(/-upload$/);
  });

  it('refuses a body over maxBytes, naming the limit, and keeps nothing of it', async () => {
    const up = join(dir, 'up2');
    const e = await receiveUpload(createReadStream(SMTP, { highWaterMark: 4096 }), up, { maxBytes: SIZE - 1, name: 'big.pcap' }).catch((x: unknown) => x);
    expect(isHaystackError(e, 'HAYSTACK_TOO_LARGE')).toBe(true);
    expect((e as Error).message).toMatch(new RegExp(`^upload "big\\.pcap": larger than the ${SIZE - 1} bytes allowed \\(refused at \\d+ bytes\\); nothing was kept$`));
    expect(readdirSync(up)).toEqual([]);
  });

  it('a body that fails part way (the client went away) keeps nothing', async () => {
    const up = join(dir, 'up3');
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(1000);
      throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    }
    const e = await receiveUpload(broken(), up, { maxBytes: 1 << 20, name: 'x.pcap' }).catch((x: unknown) => x);
    expect(isHaystackError(e, 'HAYSTACK_IO') && e.message).toBe('upload "x.pcap": the body ended in an error after 1000 bytes (ECONNRESET); nothing was kept');
    expect(readdirSync(up)).toEqual([]);
  });

  it('validates maxBytes', async () => {
    const e = await receiveUpload(Readable.from([]), join(dir, 'up4'), { maxBytes: 0 }).catch((x: unknown) => x);
    expect(isHaystackError(e, 'HAYSTACK_BAD_OPTION')).toBe(true);
  });

  it('sanitises names: base name only, safe characters, no leading dots, bounded, extension kept', () => {
    expect(sanitizeUploadName('..\\..\\win\\cap.pcapng')).toBe('cap.pcapng');
    expect(sanitizeUploadName('..')).toBe('upload');
    expect(sanitizeUploadName('.bashrc')).toBe('bashrc');
    expect(sanitizeUploadName('a<script>"b".pcap')).toBe('a_script__b_.pcap');
    expect(sanitizeUploadName('x\u0000y\r\n.pcap')).toBe('x_y__.pcap');
    const long = sanitizeUploadName(`${'a'.repeat(300)}.pcap.gz`);
    expect(long.length).toBe(MAX_UPLOAD_NAME);
    expect(long.endsWith('a.pcap.gz')).toBe(true);
  });
});

describe('ingestOne on an open store', () => {
  let store: Store;
  let ref: Store;
  beforeAll(async () => {
    store = await openStore(join(dir, 'served.duckdb'));
    ref = await openStore(join(dir, 'ref.duckdb'));
  });
  afterAll(async () => {
    await store.close();
    await ref.close();
  });

  it('an uploaded capture gives the records a direct ingest gives; messages name the upload, not the temp file', async () => {
    const path = await receiveUpload(createReadStream(SMTP), join(dir, 'up5'), { maxBytes: 1 << 20, name: 'mail.pcap' });
    const s = await ingestOne(store, path, { name: 'mail.pcap' });
    const direct = await ingestOne(ref, SMTP);
    expect(s).toMatchObject({ name: 'mail.pcap', status: 'ingested', kind: 'capture', size: SIZE, sha256: direct.sha256, records: direct.records });
    expect(s.records.smtp).toBeGreaterThan(0);
    const bad = await receiveUpload(Readable.from([Buffer.from('hello, not a capture\n')]), join(dir, 'up5'), { maxBytes: 100, name: 'bad.pcap' });
    const b = await ingestOne(store, bad, { name: 'bad.pcap' });
    expect(b).toMatchObject({ status: 'failed', kind: null, error: { code: 'HAYSTACK_CAPTURE_FORMAT', offset: 0 } });
    expect(b.error!.message).toMatch(/^bad\.pcap: not a pcap or pcapng file/);
    expect(b.error!.message).not.toContain(dir);
  });

  it('a log is told from a capture by its content', async () => {
    const log = await receiveUpload(Readable.from([Buffer.from(
      'Nov 22 08:00:01 mx postfix/smtpd[1234]: connect from unknown[192.0.2.1]\n' +
      'Nov 22 08:00:02 mx postfix/smtpd[1234]: disconnect from unknown[192.0.2.1]\n')]), join(dir, 'up6'), { maxBytes: 1000, name: 'maillog' });
    expect(await ingestOne(store, log, { name: 'maillog' })).toMatchObject({ status: 'ingested', kind: 'log', packets: 2, records: { logs: 2 } });
  });

  it('ingests started together on one store run one after the other, and the same bytes twice are stored once', async () => {
    const files = ['http-put.pcap', 'tls-clients.pcapng', 'mixed-home.pcap', 'http-put.pcap'].map((f) => join(GEN, f));
    const out = await Promise.all(files.map((f) => ingestOne(store, f)));
    expect(out.map((s) => s.status)).toEqual(['ingested', 'ingested', 'ingested', 'already']);
    expect(out[3]!.capture_id).toBe(out[0]!.capture_id);
    const r = await store.select('SELECT count(*) AS n FROM captures');
    // mail.pcap, maillog, and the three distinct captures
    expect(Number(r.rows[0]!.n)).toBe(5);
  });
});
