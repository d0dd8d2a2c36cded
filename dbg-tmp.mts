import fs from 'node:fs';
import { LogParser } from './src/logs/parse-log.ts';
const p = new LogParser({ year: 2026 });
const counts = new Map<string, number>();
for (const f of ['maillog.traditional.log', 'maillog.rfc5424.log', 'maillog.syslog-protocol23.log']) {
  const lines = fs.readFileSync(`/work/shared/corpus/maillog/A/${f}`, 'utf8').split('\n').filter(Boolean);
  let bad = 0;
  for (const l of lines) { const r = p.parse(l); const k = r.parse_ok ? r.type! : 'UNPARSED'; counts.set(k, (counts.get(k) ?? 0) + 1); if (!r.parse_ok || r.type!.endsWith('_other')) { bad++; if (bad < 6) console.log(f, r.type, JSON.stringify(l)); } }
  console.log(f, 'lines', lines.length, 'bad', bad);
}
console.log([...counts].sort((a,b)=>b[1]-a[1]).map(([k,v])=>`${k} ${v}`).join('\n'));
