#!/usr/bin/env node
// tools/build-cli.mjs — bundles the CLI (dist/cli/main.js, its lazily loaded commands, and @duckdb/node-api's
// JavaScript) into dist/bundle/: bin/haystack.js loads it when present, so a command compiles a few files instead
// of ~300 modules and resolves no module paths (docs/DESIGN-NOTES.md "Issue 18: the CLI bundle").
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const DIST = path.join(ROOT, 'dist');
const OUT = path.join(DIST, 'bundle');

/** The one package bundled: its ~160 CommonJS files cost ~0.15 s to resolve and compile at every start. */
const BUNDLED_PACKAGE = '@duckdb/node-api';

/**
 * Our modules as the bundle sees them:
 * - `import.meta.url` becomes the URL the module's own file has in dist/ (a worker file, the console's directory
 *   and createRequire stay where they were, whichever chunk the module lands in: every output is in dist/bundle/);
 * - dist/store/duckdb-api.js requires @duckdb/node-api plainly, so that esbuild bundles it.
 */
const ours = {
  name: 'haystack-modules',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path === BUNDLED_PACKAGE || args.path.startsWith(`${BUNDLED_PACKAGE}/`)) return undefined;
      // every other package (its native binding among them) stays an import from node_modules, with its licence
      return { path: args.path, external: true };
    });
    b.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(DIST + path.sep)) return undefined;
      let text = await readFile(args.path, 'utf8');
      if (args.path === path.join(DIST, 'store', 'duckdb-api.js')) {
        const from = "createRequire(import.meta.url)('@duckdb/node-api')";
        if (!text.includes(from)) throw new Error(`build-cli: ${args.path} no longer holds ${from}`);
        text = text.replace(from, "require('@duckdb/node-api')");
      }
      const rel = path.relative(OUT, args.path).split(path.sep).join('/');
      text = text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`);
      return { contents: text, loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

await rm(OUT, { recursive: true, force: true });
await build({
  // line-guard is an entry of its own: bin/haystack.js runs it before any module holding a regular expression
  entryPoints: { main: path.join(DIST, 'cli', 'main.js'), 'line-guard': path.join(DIST, 'pipeline', 'line-guard.js') },
  outdir: OUT,
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // a bundled CommonJS module's require() of an external package: esbuild's shim calls the `require` in scope
  banner: { js: "import { createRequire as __haystackRequire } from 'node:module'; const require = __haystackRequire(import.meta.url);" },
  plugins: [ours],
  sourcemap: 'linked',
  logLevel: 'warning',
});
