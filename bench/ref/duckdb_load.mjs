// bench/ref/duckdb_load.mjs — the reference of bench/formats.mjs's import case: DuckDB loads a log file into a table
// of a new database file by itself (read_json for EVE's JSON lines, read_csv for a Zeek TSV log with its `#` header
// lines skipped), no mapping. Prints the rows loaded.
//
//   node bench/ref/duckdb_load.mjs json|tsv FILE DB
import { DuckDBInstance } from '@duckdb/node-api';

const [kind, file, db] = process.argv.slice(2);
const q = (s) => `'${s.replace(/'/g, "''")}'`;
const src = kind === 'json'
  ? `read_json(${q(file)}, format = 'newline_delimited')`
  : `read_csv(${q(file)}, delim = '\t', comment = '#', header = false, nullstr = '-', quote = '', escape = '')`;
const instance = await DuckDBInstance.create(db);
const conn = await instance.connect();
await conn.run(`CREATE TABLE t AS SELECT * FROM ${src}`);
const r = await conn.runAndReadAll('SELECT count(*) AS n FROM t');
process.stdout.write(`${String(r.getRows()[0][0])}\n`);
conn.closeSync();
instance.closeSync();
