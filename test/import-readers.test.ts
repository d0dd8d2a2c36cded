// The import readers on hand-made inputs: Zeek TSV headers (every directive, any #fields order, several blocks
// in one file, other separators and markers), Zeek's escaping undone, values decoded by #types, Zeek JSON and
// EVE lines, and bad lines reported with their reason. Expected values are written from the inputs' construction.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eveLine } from '../src/formats/import/eve.js';
import { uidOfFlowId } from '../src/formats/eve/eve-inverse.js';
import { zeekJsonLine } from '../src/formats/import/zeek-json.js';
import { ZeekTsvReader, type ZeekTsvLine } from '../src/formats/import/zeek-tsv.js';
import { BAD, secondsToMicros, unescapeZeek } from '../src/formats/import/zeek-values.js';
import { zeekLogName } from '../src/pipeline/import.js';

const read = (text: string, log = 'file'): ZeekTsvLine[] => {
  const r = new ZeekTsvReader(log);
  return text.split('\n').map((l) => r.line(l));
};
const rows = (ls: ZeekTsvLine[]): unknown[] => ls.filter((l) => l.kind === 'row');

/** Zeek's escaping, as its ASCII writer does it: the separators, backslash and non-printable bytes as \xNN. */
function escapeZeek(s: string, seps: string[]): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\' || seps.includes(ch) || c < 0x20 || c === 0x7f || c > 0x7e) {
      for (const b of new TextEncoder().encode(ch)) out += `\\x${b.toString(16).padStart(2, '0')}`;
    } else out += ch;
  }
  return out;
}

describe('Zeek TSV', () => {
  const HEADER = [
    '#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\tconn', '#open\t2026-12-07-10-00-00',
  ];

  it('decodes each type of #types, in the #fields order the header gives', () => {
    const text = [
      ...HEADER,
      // a non-standard order: uid first, ts in the middle
      '#fields\tuid\tid.orig_p\tts\tduration\tlocal_orig\ttunnel_parents\tid.orig_h\tservice\tproto\tvals\tratio',
      '#types\tstring\tport\ttime\tinterval\tbool\tset[string]\taddr\tstring\tenum\tvector[count]\tdouble',
      'CAbc1\t49152\t1258531221.486539\t0.000123\tT\tCx1,Cx2\t10.0.0.1\thttp\ttcp\t1,2,3\t-1.5e3',
      'CAbc2\t53\t1258531222.000001\t-\tF\t(empty)\t::1\t(empty)\tudp\t(empty)\t0.25',
      '#close\t2026-12-07-11-00-00',
    ].join('\n');
    expect(rows(read(text))).toEqual([
      {
        kind: 'row', log: 'conn',
        row: { uid: 'CAbc1', 'id.orig_p': 49152, ts: 1258531221486539, duration: 0.000123, local_orig: true, tunnel_parents: ['Cx1', 'Cx2'], 'id.orig_h': '10.0.0.1', service: 'http', proto: 'tcp', vals: [1, 2, 3], ratio: -1500 },
      },
      {
        kind: 'row', log: 'conn',
        row: { uid: 'CAbc2', 'id.orig_p': 53, ts: 1258531222000001, duration: null, local_orig: false, tunnel_parents: [], 'id.orig_h': '::1', service: '', proto: 'udp', vals: [], ratio: 0.25 },
      },
    ]);
  });

  it('undoes the escapes: separators, backslash, a value equal to a marker, UTF-8 and other bytes', () => {
    const text = [
      ...HEADER,
      '#fields\ta\tb\tc\td\te\tf',
      '#types\tstring\tstring\tset[string]\tstring\tstring\tstring',
      // a\tb; C:\dir; a set whose entry holds a comma; "-" and "(empty)" as values; €; a lone 0xff byte, one
      // beside a €, and a cut UTF-8 sequence (each byte Latin-1)
      'a\\x09b\tC:\\x5cdir\tx\\x2cy,z\t\\x2d\t\\x28empty)\t\\xe2\\x82\\xac \\xff \\xe2\\x82\\xac\\xff\\xe2\\x82',
    ].join('\n');
    expect(rows(read(text))).toEqual([{ kind: 'row', log: 'conn', row: { a: 'a\tb', b: 'C:\\dir', c: ['x,y', 'z'], d: '-', e: '(empty)', f: '€ \u00ff €\u00ff\u00e2\u0082' } }]);
  });

  it('takes other separators and markers from the header (\\x escapes in #separator)', () => {
    const text = [
      '#separator \\x7c', '#set_separator|;', '#empty_field|EMPTY', '#unset_field|NONE', '#path|dns',
      '#fields|ts|query|answers|TTLs|rejected',
      '#types|time|string|vector[string]|vector[interval]|bool',
      '1.5|a\\x7cb.example|x.example;y\\x3bz|30.0;60|NONE',
      '2|-|EMPTY|EMPTY|F',
    ].join('\n');
    expect(rows(read(text))).toEqual([
      { kind: 'row', log: 'dns', row: { ts: 1500000, query: 'a|b.example', answers: ['x.example', 'y;z'], TTLs: [30, 60], rejected: null } },
      // "-" is an ordinary value when the unset marker is NONE
      { kind: 'row', log: 'dns', row: { ts: 2000000, query: '-', answers: [], TTLs: [], rejected: false } },
    ]);
  });

  it('reads several header blocks in one file (rotated logs concatenated), each with its own fields', () => {
    const text = [
      ...HEADER, '#fields\tts\tuid', '#types\ttime\tstring', '1.0\tC1', '#close\tx',
      '#separator \\x09', '#path\thttp', '#fields\tuid\tts\tstatus_code', '#types\tstring\ttime\tcount', 'C2\t2.0\t200',
      // a header without #path: the file's name
      '#separator \\x09', '#fields\tuid', '#types\tstring', 'C3',
    ].join('\n');
    expect(rows(read(text, 'weird'))).toEqual([
      { kind: 'row', log: 'conn', row: { ts: 1000000, uid: 'C1' } },
      { kind: 'row', log: 'http', row: { uid: 'C2', ts: 2000000, status_code: 200 } },
      { kind: 'row', log: 'weird', row: { uid: 'C3' } },
    ]);
  });

  it('reports bad lines with their reason and goes on', () => {
    const text = [
      'C0\t1.0', ...HEADER, '#fields\tts\tuid\tn\tb', '#types\ttime\tstring\tcount\tbool',
      '1.0\tC1\t5', '1.0\tC1\tfive\tT', 'yesterday\tC1\t5\tT', '1.0\tC1\t5\tyes', '1.0\tC1\t(empty)\tT', 'XXXXXXXXXX.XXXXXX\tC1\t5\tT', '2.0\tC2\t7\tF',
    ].join('\n');
    const ls = read(text);
    expect(ls.filter((l) => l.kind === 'bad').map((l) => (l as { reason: string }).reason)).toEqual([
      'a data line before any #fields header',
      '3 columns, the #fields header names 4',
      'column n: "five" is not a count',
      'column ts: "yesterday" is not a time',
      'column b: "yes" is not a bool',
      'column n: "(empty)" is not a count',
      'column ts: "XXXXXXXXXX.XXXXXX" is not a time (a masked value, as btest\'s canonifier writes times: the line has no time)',
    ]);
    expect(rows(ls)).toEqual([{ kind: 'row', log: 'conn', row: { ts: 2000000, uid: 'C2', n: 7, b: false } }]);
  });

  it('keeps hostile column names as plain keys', () => {
    const [row] = rows(read(['#separator \\x09', '#fields\t__proto__\tconstructor\ta"b', '#types\tstring\tcount\tstring', 'x\t1\ty'].join('\n')));
    const r = (row as { row: Record<string, unknown> }).row;
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
    expect(Object.entries(r)).toEqual([['__proto__', 'x'], ['constructor', 1], ['a"b', 'y']]);
  });

  it('unescapes whatever Zeek escaped (property)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => {
      // lone surrogates are not UTF-8 text: Zeek never writes them
      fc.pre(!/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s));
      expect(unescapeZeek(escapeZeek(s, ['\t', ',']))).toBe(s);
    }), { numRuns: 300 });
  });

  it('decodes a set of any strings escaped as Zeek writes it (property)', () => {
    fc.assert(fc.property(fc.array(fc.string({ unit: 'grapheme', minLength: 1 }), { minLength: 1, maxLength: 5 }), (xs) => {
      const r = new ZeekTsvReader('x');
      r.line('#separator \\x09');
      r.line('#fields\tv');
      r.line('#types\tset[string]');
      // a value equal to a marker gets its first character escaped
      const cell = xs.map((x) => escapeZeek(x, ['\t', ',']).replace(/^(-|\(empty\))$/, (m) => `\\x${m.charCodeAt(0).toString(16)}${m.slice(1)}`)).join(',');
      // and a line that would begin with # (a header's mark) gets it escaped
      expect(r.line(cell.replace(/^#/, '\\x23'))).toEqual({ kind: 'row', log: 'x', row: { v: xs } });
    }), { numRuns: 300 });
  });

  it('times are exact µs (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 4102444800_000000 }), (us) => {
      const text = `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;
      expect(secondsToMicros(text)).toBe(us);
    }), { numRuns: 1000 });
    expect(secondsToMicros('1.0000005')).toBe(1000001);
    // past 2^53 µs (year 2255): not a time a row can hold exactly
    expect(secondsToMicros('9999999999.999999')).toBe(BAD);
    expect(secondsToMicros('0012.000001')).toBe(12000001);
    expect(secondsToMicros('12')).toBe(12000000);
  });
});

describe('Zeek JSON', () => {
  it('reads an object: times to µs (number or ISO 8601), the log from _path or the file name', () => {
    expect(zeekJsonLine('{"_path":"ssl","ts":1258531221.486539,"uid":"C1","id.orig_p":443,"server_name":"a.example","established":true}', 'conn')).toEqual({
      kind: 'row', log: 'ssl', row: { ts: 1258531221486539, uid: 'C1', 'id.orig_p': 443, server_name: 'a.example', established: true },
    });
    expect(zeekJsonLine('{"ts":"2009-11-18T08:00:21.486539Z","uid":"C2","certificate.not_valid_after":1700000000}', 'x509')).toEqual({
      kind: 'row', log: 'x509', row: { ts: 1258531221486539, uid: 'C2', 'certificate.not_valid_after': 1700000000000000 },
    });
    expect(zeekJsonLine('', 'conn')).toEqual({ kind: 'meta' });
  });

  it('takes a field as a time by its log: smtp.log\'s from is a header, kerberos.log\'s from a time', () => {
    expect(zeekJsonLine('{"ts":1,"from":"billing@vendor.example"}', 'smtp')).toEqual({ kind: 'row', log: 'smtp', row: { ts: 1_000_000, from: 'billing@vendor.example' } });
    expect(zeekJsonLine('{"_path":"kerberos","ts":1,"from":2.5,"till":3}', 'x')).toEqual({ kind: 'row', log: 'kerberos', row: { ts: 1_000_000, from: 2_500_000, till: 3_000_000 } });
    expect(zeekJsonLine('{"ts":1,"till":"soon"}', 'conn')).toEqual({ kind: 'row', log: 'conn', row: { ts: 1_000_000, till: 'soon' } });
  });

  it('reports bad lines', () => {
    expect(zeekJsonLine('{"ts":1,', 'conn')).toMatchObject({ kind: 'bad', reason: expect.stringMatching(/^not JSON/) as unknown });
    expect(zeekJsonLine('[1,2]', 'conn')).toEqual({ kind: 'bad', reason: 'not a JSON object' });
    expect(zeekJsonLine('{"ts":"soon"}', 'conn')).toEqual({ kind: 'bad', reason: 'field ts: "soon" is not a time' });
    expect(zeekJsonLine('{"ts":1,"id":{"orig_h":"x"}}', 'conn')).toEqual({ kind: 'bad', reason: 'field id: a nested object (Zeek\'s JSON logs are flat)' });
  });

  it('names the log by the file', () => {
    expect(['conn.log', 'conn.2026-12-07-10-00-00.log.gz', 'conn.json', '/x/y.z/ssl.json.gz', 'notice'].map(zeekLogName)).toEqual(['conn', 'conn', 'conn', 'ssl', 'notice']);
  });
});

describe('EVE', () => {
  it('reads events and reports lines that are not', () => {
    expect(eveLine('{"timestamp":"2026-12-07T10:00:00.000000+0000","flow_id":123,"event_type":"alert"}')).toEqual({
      kind: 'event', event: { timestamp: '2026-12-07T10:00:00.000000+0000', flow_id: 123, event_type: 'alert' },
    });
    expect(eveLine('{"flow_id":1}')).toEqual({ kind: 'bad', reason: 'no event_type' });
    expect(eveLine('"alert"')).toEqual({ kind: 'bad', reason: 'not a JSON object' });
    expect(eveLine('{"event_type":"dns"')).toMatchObject({ kind: 'bad' });
    expect(eveLine('  ')).toEqual({ kind: 'meta' });
  });

  it('keeps a 64-bit flow_id past 2^53 as its digits: two flows JSON.parse would round together stay two', () => {
    const a = eveLine('{"flow_id":9007199254740993,"event_type":"flow"}');
    const b = eveLine('{"flow_id": 9007199254740992 ,"event_type":"flow"}');
    expect(a).toEqual({ kind: 'event', event: { flow_id: '9007199254740993', event_type: 'flow' } });
    expect(b).toEqual({ kind: 'event', event: { flow_id: '9007199254740992', event_type: 'flow' } });
    expect(eveLine('{"flow_id":9007199254740991,"event_type":"flow"}')).toEqual({ kind: 'event', event: { flow_id: 9007199254740991, event_type: 'flow' } });
    const c = eveLine('{"event_type":"flow","flow_id":18446744073709551615}');
    expect(c).toEqual({ kind: 'event', event: { flow_id: '18446744073709551615', event_type: 'flow' } });
    expect(uidOfFlowId('9007199254740993')).not.toBe(uidOfFlowId('9007199254740992'));
  });
});
