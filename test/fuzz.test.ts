// The fuzz targets' short pass: each target runs its own number of inputs from a fixed seed (deterministic),
// then every input of its corpus (test/fuzz/corpus/<target>, the crashes found so far) is replayed. Both run
// through the fuzz runner in a child process, so a hang is a failure with its input, not a stuck suite.
// The runner itself is checked on a target made to fail: a TypeError is shrunk and written, a hang is
// caught and written, and a corpus input that fails is reported by the replay.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/run.js';

const RUN = join(ROOT, 'test/fuzz/run.ts');
const REGISTER = join(ROOT, 'test/fuzz/register.mjs');
const TARGETS = ['capture', 'decoder', 'datagram', 'tls', 'http', 'smtp', 'ssh', 'mailftp', 'pipeline', 'rules', 'grok', 'logs', 'logstash', 'filter'];

interface Summary {
  ok: boolean;
  targets: Record<string, { execs: number; found: { kind: string; error: string; file: string }[]; replayed: number; replayFailures: { file: string; error: string }[] }>;
}

function fuzz(args: string[], env: Record<string, string> = {}, timeoutMs = 240_000): { code: number | null; summary: Summary | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--enable-source-maps', '--import', REGISTER, RUN, '--json', ...args], {
    cwd: ROOT, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024,
  });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  let summary: Summary | null;
  try {
    summary = JSON.parse(last) as Summary;
  } catch {
    summary = null;
  }
  return { code: r.status, summary, out: r.stdout, err: r.stderr };
}

describe('fuzz targets: the CI pass (fixed seed) and the corpus replay', () => {
  const out = mkdtempSync(join(tmpdir(), 'haystack-fuzz-ci-'));
  let run: ReturnType<typeof fuzz>;
  beforeAll(() => {
    run = fuzz(['--ci', '--out', out]);
  }, 300_000);

  it('the runner finished and reported every target', () => {
    expect(run.summary, `no summary; stderr:\n${run.err.slice(-4000)}`).not.toBeNull();
    expect(Object.keys(run.summary!.targets).sort()).toEqual([...TARGETS].sort());
  });

  for (const t of TARGETS) {
    it(`${t}: its inputs from seed 42 and every corpus input hold the contract`, () => {
      const r = run.summary?.targets[t];
      expect(r, run.err.slice(-4000)).toBeDefined();
      expect(r!.execs).toBeGreaterThan(0);
      // a failure's input is in `out` (rerun: npm run fuzz -- --target T --ci writes it to the corpus)
      expect(r!.found, run.err.slice(-4000)).toEqual([]);
      expect(r!.replayFailures).toEqual([]);
      const committed = existsSync(join(ROOT, 'test/fuzz/corpus', t)) ? readdirSync(join(ROOT, 'test/fuzz/corpus', t)).filter((f) => f.endsWith('.bin')).length : 0;
      expect(r!.replayed).toBe(committed);
    });
  }
  it('exits 0 when nothing was found', () => {
    expect(run.code).toBe(0);
  });
});

describe('the fuzz runner on a target made to fail', () => {
  const selftest = { HAYSTACK_FUZZ_SELFTEST: '1' };

  it('a TypeError is a failure: shrunk, written as .bin and .json with seed, path and error; replaying it fails; exit 1', () => {
    const out = mkdtempSync(join(tmpdir(), 'haystack-fuzz-self-'));
    // the failure is written to `out`, which is then replayed as the corpus
    const r = fuzz(['--runs', '50', '--target', 'selftest', '--out', out, '--replay', '--corpus', out], { ...selftest, HAYSTACK_FUZZ_SELFTEST_MODE: 'T' }, 120_000);
    expect(r.code, r.err).toBe(1);
    expect(r.summary!.targets.selftest!.found.map((f) => f.kind)).toEqual(['failure']);
    const files = readdirSync(join(out, 'selftest')).sort();
    expect(files.length).toBe(2);
    const meta = JSON.parse(readFileSync(join(out, 'selftest', files[1]!), 'utf8')) as { error: string; seed: number; path: string };
    expect(meta).toMatchObject({ error: expect.stringMatching(/^TypeError: cannot read properties of null/), seed: 42 });
    expect(meta.path).not.toBe('');
    // shrunk: the smallest input that throws is the one byte "T"
    expect([...readFileSync(join(out, 'selftest', files[0]!))]).toEqual([0x54]);
    expect(r.summary!.targets.selftest).toMatchObject({ replayed: 1, replayFailures: [{ file: expect.stringContaining(files[0]!), error: expect.stringMatching(/^TypeError/) }] });
  });

  it('an input that never returns is caught by the time bound and written; the run goes on to the next target', () => {
    const out = mkdtempSync(join(tmpdir(), 'haystack-fuzz-self-'));
    const r = fuzz(['--runs', '20', '--target', 'selftest,filter', '--out', out, '--timeout-ms', '1000'], { ...selftest, HAYSTACK_FUZZ_SELFTEST_MODE: 'H' }, 120_000);
    expect(r.code, r.err).toBe(1);
    expect(r.summary!.targets.selftest!.found).toMatchObject([{ kind: 'hang', error: expect.stringContaining('longer than 1000 ms') }]);
    expect(r.summary!.targets.filter!.execs).toBe(20);
    const bin = readdirSync(join(out, 'selftest')).find((f) => f.endsWith('.bin'))!;
    expect(readFileSync(join(out, 'selftest', bin))[0]).toBe(0x48);
  });
});
