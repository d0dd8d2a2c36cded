#!/usr/bin/env -S node --max-old-space-size=1024
// Entry point of the `haystack` command (the compiled CLI lives in dist/).
//
// The heap ceiling in the line above: V8 sizes its old generation lazily, so without one a long capture lets
// garbage of ended sessions grow RSS to ~190 MB before full collections catch up, although the live state is
// flat (~20 MB). With a 1 GiB ceiling V8 collects in proportion: RSS ~120 MB on 250 MB and ~150 MB on 4 GB
// captures at full speed (512 MiB was flatter but made long runs twice as slow; bench/README.md).
// `node bin/haystack.js` bypasses this line; `haystack` (the installed bin) and `./bin/haystack.js` use it.

// Before any of our regular expressions exists: V8 re-runs a pattern that backtracks past 100,000 steps with
// its linear-time engine (the patterns that engine takes; the time guards bound the others: line-guard.ts).
// Set here, at start, and not inside a running program: changing V8 flags after code has run is unsafe.
// The CLI bundle (dist/bundle/, made by `npm run build`: tools/build-cli.mjs) when there is one and no tsc build
// came after it (tsc rewrites every file): a few files to compile where the modules are ~100 (export) to ~300; the
// module files otherwise (a build by tsc alone).
const { statSync } = await import('node:fs');
const mtime = (rel) => statSync(new URL(rel, import.meta.url), { throwIfNoEntry: false })?.mtimeMs ?? -1;
const bundleTime = mtime('../dist/bundle/main.js');
const bundled = bundleTime >= 0 && bundleTime >= mtime('../dist/cli/main.js');
const { boundRegexTime } = await import(bundled ? '../dist/bundle/line-guard.js' : '../dist/pipeline/line-guard.js');
boundRegexTime();
const { runProcess } = await import(bundled ? '../dist/bundle/main.js' : '../dist/cli/main.js');

// runProcess handles write errors on stdout (one line naming the output; quiet on EPIPE) and reports bugs (exit 70)
runProcess(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`haystack: internal error: ${e && e.stack ? e.stack : String(e)}\n`);
    process.exitCode = 70;
  },
);
