// docs/API.md lists exactly the server's routes, each with the role the route table gives it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROUTES } from '../../src/server/routes.js';
import { ROOT } from '../helpers/run.js';

it('docs/API.md has one row per route, with its role', () => {
  const text = readFileSync(join(ROOT, 'docs/API.md'), 'utf8');
  const rows = [...text.matchAll(/^\| (GET|POST|PATCH|DELETE) \| (\S+) \| (\w+) \|/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
  expect(rows.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path} ${r.role}`).sort());
});
