#!/usr/bin/env node
// Writes src/inspect/data/lolrmm.json, the built-in remote-access catalogue: each LOLRMM tool's name, category and
// the domain entries Haystack's loader accepts, from a LOLRMM checkout's yaml/ directory (Apache-2.0; the licence
// is copied beside the data). Usage: node tools/make-lolrmm-data.mjs [DIR] (default ../shared/corpus/content/lolrmm).
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { hostPattern } from '../dist/inspect/names/host-pattern.js';

const root = process.argv[2] ?? join(import.meta.dirname, '..', '..', 'shared', 'corpus', 'content', 'lolrmm');
const dir = join(root, 'yaml');
const tools = [];
for (const name of readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort()) {
  const doc = parse(readFileSync(join(dir, name), 'utf8'));
  if (doc === null || typeof doc.Name !== 'string') continue;
  const raw = (doc.Artifacts?.Network ?? []).flatMap((n) => n.Domains ?? []);
  const domains = [...new Set(raw.filter((d) => hostPattern(d).ok).map((d) => String(d)))];
  if (domains.length > 0) tools.push({ name: doc.Name.trim(), category: typeof doc.Category === 'string' ? doc.Category : '', domains });
}
const out = join(import.meta.dirname, '..', 'src', 'inspect', 'data');
writeFileSync(join(out, 'lolrmm.json'), `${JSON.stringify({
  source: 'magicsword-io/LOLRMM yaml/ (https://github.com/magicsword-io/LOLRMM), as in ../shared/corpus/content/lolrmm (MANIFEST.md gives the commit)',
  licence: 'Apache-2.0: LOLRMM-LICENSE beside this file',
  made_by: 'tools/make-lolrmm-data.mjs: each tool\'s Name, Category and the Artifacts.Network[].Domains entries Haystack accepts',
  tools,
}, null, 1)}\n`);
copyFileSync(join(root, 'LICENSE'), join(out, 'LOLRMM-LICENSE'));
console.log(`${tools.length} tools, ${tools.reduce((a, t) => a + t.domains.length, 0)} domain entries`);
