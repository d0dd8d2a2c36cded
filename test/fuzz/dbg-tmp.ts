import { readFileSync } from 'node:fs';
import { decodeStream } from './stream.js';
import { TARGETS } from './targets/index.js';
const [name, f] = process.argv.slice(2) as [string, string];
const t = await TARGETS[name]!.make();
const bin = new Uint8Array(readFileSync(f));
const extra = JSON.parse(readFileSync(f.replace(/\.bin$/, '.json'), 'utf8')).extra;
const input = t.decode({ bin, extra });
if (name === 'tls' || name === 'http' || name === 'smtp') {
  const i = decodeStream({ bin, extra });
  let total = 0; for (const s of i.conv) if ('data' in s) total += s.data.length;
  console.log('total', total, 'cuts at', i.cuts.map((c) => c % total));
}
try { await t.check(input); console.log('PASS'); } catch (e) { console.log('FAIL', (e as Error).message.slice(0, 2000)); }
