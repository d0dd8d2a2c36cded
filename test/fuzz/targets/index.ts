// Every fuzz target, by name, in the order the runner takes them (made lazily: each reads its seeds once),
// with the size of its deterministic CI pass (inputs from a fixed seed: about a second each here).
import type { AnyTarget } from '../target.js';

interface Entry {
  make: () => Promise<AnyTarget> | AnyTarget;
  ciRuns: number;
}

const ALL: Readonly<Record<string, Entry>> = {
  capture: { make: async () => (await import('./capture.js')).make(), ciRuns: 400 },
  decoder: { make: async () => (await import('./decoder.js')).make(), ciRuns: 500 },
  datagram: { make: async () => (await import('./datagram.js')).make(), ciRuns: 500 },
  tls: { make: async () => (await import('./tls.js')).make(), ciRuns: 300 },
  http: { make: async () => (await import('./http.js')).make(), ciRuns: 250 },
  smtp: { make: async () => (await import('./smtp.js')).make(), ciRuns: 100 },
  ssh: { make: async () => (await import('./ssh.js')).make(), ciRuns: 200 },
  mailftp: { make: async () => (await import('./mailftp.js')).make(), ciRuns: 200 },
  pipeline: { make: async () => (await import('./pipeline.js')).make(), ciRuns: 40 },
  rules: { make: async () => (await import('./rules.js')).make(), ciRuns: 60 },
  grok: { make: async () => (await import('./grok.js')).make(), ciRuns: 40 },
  logs: { make: async () => (await import('./logs.js')).make(), ciRuns: 150 },
  logstash: { make: async () => (await import('./logstash.js')).make(), ciRuns: 200 },
  filter: { make: async () => (await import('./filter.js')).make(), ciRuns: 500 },
};

/**
 * The runner's own check (HAYSTACK_FUZZ_SELFTEST=1 only): inputs that throw a TypeError, hang, or exhaust
 * the stack, so a test can see each one caught, shrunk where it can be, and written to the corpus.
 */
const SELFTEST: Readonly<Record<string, Entry>> = {
  selftest: { make: async () => (await import('./selftest.js')).make(), ciRuns: 200 },
};

export const TARGETS: Readonly<Record<string, Entry>> = process.env.HAYSTACK_FUZZ_SELFTEST === '1' ? { ...ALL, ...SELFTEST } : ALL;

export const TARGET_NAMES = Object.keys(TARGETS);
