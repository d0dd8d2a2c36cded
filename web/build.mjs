#!/usr/bin/env node
// web/build.mjs — bundles the console (web/src, Preact) with esbuild into dist/web: one script and one style
// sheet under /assets, and index.html that loads them (no inline script or style: the server's CSP allows
// neither). Fonts are the system's; nothing is fetched from elsewhere.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const OUT = path.join(ROOT, 'dist', 'web');
fs.rmSync(OUT, { recursive: true, force: true });
fs.mkdirSync(path.join(OUT, 'assets'), { recursive: true });
const r = await build({
  entryPoints: { app: path.join(ROOT, 'web', 'src', 'main.tsx') },
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  outdir: path.join(OUT, 'assets'),
  jsx: 'automatic',
  jsxImportSource: 'preact',
  loader: { '.css': 'css' },
  metafile: true,
  logLevel: 'warning',
});
fs.copyFileSync(path.join(ROOT, 'web', 'index.html'), path.join(OUT, 'index.html'));
// the licences of the libraries in the bundle, beside it (their terms ask for the notice to travel with them)
const pkgs = new Set();
for (const input of Object.keys(r.metafile.inputs)) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (m !== null) pkgs.add(m[1]);
}
const notices = [...pkgs].sort().map((name) => {
  const dir = path.join(ROOT, 'node_modules', name);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const file = fs.readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));
  return `${name} ${pkg.version} (${pkg.license})\n\n${file !== undefined ? fs.readFileSync(path.join(dir, file), 'utf8').trim() : '(no licence file in the package)'}\n`;
});
fs.writeFileSync(path.join(OUT, 'assets', 'licenses.txt'), notices.join(`\n${'-'.repeat(72)}\n\n`));
const bytes = Object.values(r.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
process.stderr.write(`web: ${(bytes / 1024).toFixed(0)} KiB in dist/web/assets\n`);
