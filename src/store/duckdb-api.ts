// @duckdb/node-api, required (not imported) by every module that uses its values; the CLI bundle bundles it.
import { createRequire } from 'node:module';
import type * as DuckDB from '@duckdb/node-api';

/**
 * @duckdb/node-api by require(): imported as ESM, Node's CJS lexer first parses each of its ~120 CommonJS files
 * for their export names, 0.55 s of every command that opens the store against 0.25 s required (2 cores, loaded).
 * The CLI bundle (tools/build-cli.mjs) rewrites this exact call into a plain require() that esbuild bundles.
 */
export const duckdbApi = createRequire(import.meta.url)('@duckdb/node-api') as typeof DuckDB;
