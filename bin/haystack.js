#!/usr/bin/env -S node --max-old-space-size=512
// Entry point of the `haystack` command (the compiled CLI lives in dist/).
//
// The heap ceiling in the line above: V8 sizes its old generation lazily, so without one a long capture lets
// garbage of ended sessions grow RSS to ~190 MB before full collections catch up, although the live state is
// flat (~20 MB). With a 512 MiB ceiling V8 collects in proportion: RSS stays ~115-130 MB from 250 MB to 4 GB
// captures (bench/README.md), with 4x headroom over the largest bounded live state. `node bin/haystack.js`
// bypasses this line; `haystack` (the installed bin) and `./bin/haystack.js` use it.
import { main } from '../dist/cli/main.js';

process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`haystack: internal error: ${e && e.stack ? e.stack : String(e)}\n`);
    process.exitCode = 70;
  },
);
