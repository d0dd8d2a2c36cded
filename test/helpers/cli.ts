// Runs the CLI in-process with captured output, and gives a test file a scratch folder removed afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { main } from '../../src/cli/main.js';

export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (s) => void (out += s), stderr: (s) => void (err += s), stdoutIsTty: false, stderrIsTty: false });
  return { code, out, err };
}

/** A fresh folder under the system temp dir, removed when the test file is done. */
export function scratchDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `haystack-${name}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
