import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // two forks on CI's two cores (vitest's default is cores - 1 = one): many suites wait on a server, a browser
    // or a child process, and the whole run must stay well inside CI's 30 minutes on Node 20 and again on 24
    maxWorkers: 2,
    minWorkers: 1,
  },
});
