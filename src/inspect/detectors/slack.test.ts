import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DetectContext } from '../types.js';
import { slack } from './slack.js';

const ctx: DetectContext = { appProto: null, isObject: true };
const run = (text: string) => slack.detect(text, ctx);
const digits = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });
const alnum = (n: number) => fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'), minLength: n, maxLength: n });
const hexs = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n });
const upper = (n: number) => fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'), minLength: n, maxLength: n });

describe('slack_token', () => {
  it('finds bot and user tokens of the documented layout, high', () => {
    fc.assert(
      fc.property(digits(12), digits(13), alnum(24), hexs(32), (a, b, c, h) => {
        const bot = `xoxb-${a}-${b}-${c}`;
        const user = `xoxp-${a}-${b}-${a}-${h}`;
        const hits = run(`SLACK_BOT=${bot}\nSLACK_USER='${user}'\n`);
        expect(hits.map((x) => [x.value, x.confidence, x.note])).toEqual([
          [bot, 'high', 'bot token'],
          [user, 'high', 'user token'],
        ]);
        expect(hits[0]!.offset).toBe(10);
        expect(hits[0]!.masked.startsWith('xoxb-')).toBe(true);
      }),
    );
  });

  it('finds other xox tokens by shape, medium', () => {
    expect(run('xoxa-2-1234567890-abcdefabcdefabcdefabcdef').map((h) => [h.confidence, h.note])).toEqual([['medium', 'app token']]);
  });

  it('finds webhook URLs: services high, workflows medium', () => {
    fc.assert(
      fc.property(upper(9), upper(11), alnum(24), (t, b, s) => {
        const url = `https://hooks.slack.com/services/T${t}/B${b}/${s}`;
        const text = `curl -X POST ${url} -d @msg.json`;
        const hits = run(text);
        expect(hits.map((h) => [h.offset, h.value, h.confidence])).toEqual([[text.indexOf('https:'), url, 'high']]);
        expect(hits[0]!.masked.startsWith('https://hooks.slack.com/services/')).toBe(true);
        expect(hits[0]!.masked).not.toContain(s);
      }),
    );
    expect(run('https://hooks.slack.com/workflows/T01ABCDEF/A01ABCDEF/123456789/abcdefabcdef').map((h) => h.confidence)).toEqual(['medium']);
  });

  it('stays silent on decoys', () => {
    expect(run('xoxb-123-456')).toEqual([]);
    expect(run('xoxb-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')).toEqual([]); // one part only
    expect(run('https://hooks.slack.com/services/')).toEqual([]);
    expect(run('https://hooks.slack.com/services/not-a/hook/at-all-xxxxxxxxxxxx')).toEqual([]);
  });

  it('never throws', () => {
    const piece = fc.oneof(fc.constantFrom('xoxb-', 'xoxp-', '-', 'https://hooks.slack.com/services/', '/'), alnum(12), fc.string({ maxLength: 8 }));
    fc.assert(fc.property(fc.array(piece, { maxLength: 20 }), (parts) => void run(parts.join(''))), { numRuns: 500 });
  });
});
