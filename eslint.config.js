// Lint: typescript-eslint with the type-aware rules that catch real bugs in async I/O code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/data/**', 'bench/results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*'], message: 'only L4+ may use node:*' }] }],
    },
  },
  {
    // layers L4 and up, tests and benchmarks do I/O
    files: ['src/pipeline/**', 'src/cli/**', 'src/store/**', 'src/server/**', 'src/index.ts', '**/*.test.ts', 'test/**', 'bench/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // the console runs in the browser: no node:* (it may import pure modules of src/)
    files: ['web/src/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['node:*'], message: 'the console runs in a browser' }, { group: ['**/src/server/**', '**/src/store/**', '**/src/pipeline/**', '**/src/cli/**'], message: 'the console imports pure modules only (DESIGN.md layers)' }] }] },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', fetch: 'readonly', setTimeout: 'readonly' } },
  },
);
