// Transcripts of TCP sessions from the store, against conversations built here: the text and hex dumps are
// what the dialogue was, by construction (direction markers, escapes, a lost segment, the cut at the limit).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isHaystackError } from '../src/core/errors.js';
import { writePcap } from '../src/capture/pcap-writer.js';
import { ingest } from '../src/pipeline/ingest.js';
import { sessionTranscript } from '../src/pipeline/transcript.js';
import { openStore } from '../src/store/open.js';
import type { Store } from '../src/store/store.js';
import { cli, scratchDir } from './helpers/cli.js';
import { tcpConversation } from './helpers/conversation.js';
import { ethernet, ipv4Packet, udpDatagram } from './helpers/frames.js';

const scratch = scratchDir('transcript');
const db = join(scratch, 't.duckdb');
const T0 = Date.UTC(2026, 0, 12, 10, 0, 0) * 1000;

/** A dialogue in 8-byte segments (deliveries end mid-line), with a backslash, a NUL and a 0xff byte. */
const DIALOGUE = tcpConversation({ dport: 80, sport: 40001, mss: 8, start: T0 }, [
  { from: 'client', data: 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n' },
  { from: 'server', data: new Uint8Array([...new TextEncoder().encode('HTTP/1.1 200 OK\r\n\r\nhi\\there'), 0x00, 0xff]) },
  { from: 'client', data: 'bye' },
  { from: 'server', data: 'end\n' },
]);
/** 17 bytes one way, 2 the other, each in one segment: a hex dump of one and a half lines and one short line. */
const HEXY = tcpConversation({ dport: 7, sport: 40002, start: T0 + 1_000_000 }, [
  { from: 'client', data: 'ABCDEFGHIJKLMNOPQ' },
  { from: 'server', data: new Uint8Array([0x00, 0x01]) },
]);
/** The second client segment (bytes 8-15) never captured. */
const LOSSY = tcpConversation({ dport: 25, sport: 40003, mss: 8, start: T0 + 2_000_000 }, [
  { from: 'client', data: 'HELO a.example\r\nQUIT\r\n' },
  { from: 'server', data: '221 bye\r\n' },
]).filter((_, i) => i !== 5);
const UDP = [{ ts: T0 + 3_000_000, data: ethernet(ipv4Packet('10.0.0.1', '10.0.0.2', 17, udpDatagram(40004, 53, 'query'))) }];

let store: Store;
const uids = new Map<number, string>();

beforeAll(async () => {
  const pcap = join(scratch, 'dialogues.pcap');
  writeFileSync(pcap, writePcap([...DIALOGUE, ...HEXY, ...LOSSY, ...UDP].sort((a, b) => a.ts - b.ts), { linktype: 1 }));
  const w = await openStore(db);
  await ingest(w, [pcap]).finally(() => w.close());
  store = await openStore(db, { readOnly: true });
  for (const r of (await store.select('SELECT uid, src_port FROM sessions')).rows) uids.set(Number(r.src_port), String(r.uid));
  return () => store.close();
});

describe('sessionTranscript', () => {
  it('text: one line per line of each side, "> " client and "< " server, non-printables escaped', async () => {
    const t = await sessionTranscript(store, uids.get(40001)!, { format: 'text' });
    expect(t.text).toBe([
      '> GET /a HTTP/1.1\\r',
      '> Host: x\\r',
      '> \\r',
      '< HTTP/1.1 200 OK\\r',
      '< \\r',
      '< hi\\\\there\\x00\\xff',
      '> bye',
      '< end',
      '',
    ].join('\n'));
    expect(t.truncated).toBe(false);
    expect(t.bytes).toBe(28 + 29 + 3 + 4);
  });

  it('hex: the hexdump -C layout, offsets in each direction\'s stream', async () => {
    const t = await sessionTranscript(store, uids.get(40002)!, { format: 'hex' });
    expect(t.text).toBe([
      '> 00000000  41 42 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|',
      `> 00000010  51${' '.repeat(48)}|Q|`,
      `< 00000000  00 01${' '.repeat(45)}|..|`,
      '',
    ].join('\n'));
  });

  it('cut past the limit with a marker line', async () => {
    const t = await sessionTranscript(store, uids.get(40001)!, { limit: 20 });
    expect(t.text).toBe('> GET /a HTTP/1.1\\r\n> Hos\n! transcript cut here: more than 20 bytes of payload\n');
    expect(t.truncated).toBe(true);
    expect(t.bytes).toBe(20);
  });

  it('a segment never captured is a note where it is missing', async () => {
    const t = await sessionTranscript(store, uids.get(40003)!);
    expect(t.text).toContain('! 8 bytes missing (client -> server, stream offset 8)\n');
    expect(t.text).toMatch(/^> HELO a.e\n/);
    expect(t.text).toContain('< 221 bye\\r\n');
  });

  it('refuses what it cannot show: a UDP session, an unknown uid, a bad limit', async () => {
    const code = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: unknown) => (isHaystackError(e) ? e.code : String(e)));
    expect(await code(sessionTranscript(store, uids.get(40004)!))).toBe('HAYSTACK_BAD_ARGUMENT');
    expect(await code(sessionTranscript(store, 'CnoSuchSession0000'))).toBe('HAYSTACK_NOT_FOUND');
    expect(await code(sessionTranscript(store, uids.get(40001)!, { limit: 0 }))).toBe('HAYSTACK_BAD_OPTION');
    expect(await code(sessionTranscript(store, uids.get(40001)!, { limit: 1 << 30 }))).toBe('HAYSTACK_BAD_OPTION');
  });

  it('haystack transcript prints it (--hex, --limit)', async () => {
    const r = await cli('transcript', '--uid', uids.get(40002)!, '--hex', '--limit', '4', '--db', db);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`> 00000000  41 42 43 44${' '.repeat(39)}|ABCD|\n! transcript cut here: more than 4 bytes of payload\n`);
  });
});
