// `haystack ingest <capture|dir...>`: sessions, tls records and anomalies of every capture into the store.
import { INSPECT_OPTIONS, INSPECT_USAGE, inspectOption } from '../inspect-args.js';
import { dirname } from 'node:path';
import { ingest } from '../../pipeline/ingest.js';
import { openStore } from '../../store/open.js';
import { homeNetOption, parse, stringOption } from '../args.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, type CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { DB_OPTION } from '../store-args.js';
import { loadRules, RULE_OPTIONS } from './rules.js';
import { LOG_OPTIONS, LOG_USAGE, logParserOptions } from '../log-args.js';
import { durationMs } from '../../pipeline/sensor-options.js';
import { MAX_COMMIT_EVERY_MS, MIN_COMMIT_EVERY_MS } from '../../pipeline/stream-window.js';
import { HaystackError } from '../../core/errors.js';

export const usage = `haystack ingest <capture|log|dir...> [--db URL] [--home-net CIDR,...] [--sensor NAME] [--files DIR]
                [--rules FILE... [--var NAME=VALUE]... [--vars-file FILE] [--classification FILE]]
                [--no-inspect] [--remote-access DIR] [--commit-every 60s] [log options]
  --db URL   a DuckDB file (default ./haystack.duckdb or $HAYSTACK_DB), duckdb:PATH, or
             clickhouse://user:pass@host:8123/db[?cluster=NAME]
  --files DIR  where mail attachments are stored (DIR/files/ab/<sha256>); default: beside the DuckDB file
               (ClickHouse: not stored unless given; hashes and types are recorded either way)
With --rules, $HOME_NET is --home-net unless a --var or --vars-file sets it.
${INSPECT_USAGE}
Log files are found by their content (lines with syslog headers) and parsed as \`haystack logs ingest\` does:
${LOG_USAGE}
A capture or log already in the store (same SHA-256) is skipped; an interrupted ingest is redone from scratch.
- reads a capture stream from stdin (\`tcpdump -w - | haystack ingest -\`). With --commit-every DURATION what was
read is committed every DURATION as a capture part of its own (its sessions end with it: a flow going on
starts a new session in the next part), so rows appear while the capture goes on; SIGINT/SIGTERM or the end of
the stream commit what was read and exit.`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('ingest', argv, {
    ...DB_OPTION,
    'home-net': { type: 'string', multiple: true },
    sensor: { type: 'string' },
    files: { type: 'string' },
    'commit-every': { type: 'string' },
    rules: { type: 'string', multiple: true },
    ...RULE_OPTIONS,
    ...LOG_OPTIONS,
    ...INSPECT_OPTIONS,
  });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return 0;
  }
  if (positionals.length === 0) {
    io.stderr(`haystack ingest: no capture or directory given\n${usage}\n`);
    return EXIT_USAGE;
  }
  const every = stringOption(values['commit-every']);
  const stdin = positionals.includes('-');
  if (every !== undefined && !stdin) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'ingest: --commit-every is for a stream on stdin (-); a file is committed whole');
  const commitEveryMs = every === undefined ? undefined : durationMs('commit-every', every, MIN_COMMIT_EVERY_MS, MAX_COMMIT_EVERY_MS);
  const homeNet = homeNetOption(values['home-net']);
  const ruleFiles = (values.rules ?? []) as string[];
  const homeVar: Record<string, string> = homeNet.length > 0 ? { HOME_NET: `[${homeNet.join(',')}]` } : {};
  const set = ruleFiles.length === 0 ? null : loadRules(ruleFiles, values, homeVar);
  if (set !== null) {
    for (const e of set.errors) io.stderr(`haystack ingest: ${e.file}:${e.line}${e.column !== null ? `:${e.column}` : ''}: ${e.message}\n`);
    if (set.errors.length > 0) {
      io.stderr('haystack ingest: the rules have syntax errors (above); nothing was ingested\n');
      return EXIT_USAGE;
    }
    io.stderr(`haystack ingest: ${set.rules.length} of ${set.total} rules loaded${set.notLoaded.length > 0 ? ` (${set.notLoaded.length} use something unsupported: haystack rules check lists them)` : ''}\n`);
  }
  const logs = logParserOptions(values);
  const inspect = inspectOption(values, io, 'ingest');
  const store = await openStore(stringOption(values.db));
  // extracted objects: --files DIR, else beside a DuckDB file, else (ClickHouse) hashed and typed only
  const filesDir = stringOption(values.files) ?? (store.dialect === 'duckdb' ? dirname(store.location) : null);
  const progress = new Progress(io);
  let code = EXIT_OK;
  // stdin: a signal ends the stream as its end would (what was read is committed)
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  if (stdin) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  try {
    const s = await ingest(store, positionals, {
      homeNet,
      sensor: stringOption(values.sensor) ?? null,
      filesDir,
      ...(set !== null ? { rules: set.rules } : {}),
      logs,
      inspect,
      progress: (p, b, size) => progress.update(p, b, size),
      ...(commitEveryMs !== undefined ? { commitEveryMs } : {}),
      signal: stop.signal,
      committed: (c) => io.stderr(`haystack ingest: -: part ${String((JSON.parse(String(c.stats)) as { stream?: { part?: number } }).stream?.part)} committed (capture ${c.capture_id}): ${c.packets} packets\n`),
    });
    progress.done();
    let packets = 0;
    let sessions = 0;
    let records = 0;
    let done = 0;
    let logFiles = 0;
    let logLines = 0;
    for (const f of s.files) {
      if (f.status === 'failed') {
        io.stderr(`haystack ingest: ${f.error.message}\n`);
        code = EXIT_FAILURE;
      } else if (f.status === 'already') {
        io.stderr(`haystack ingest: ${f.path}: already in the store (capture ${f.capture.capture_id}, ingested ${new Date(f.capture.ingested_at / 1000).toISOString()}), nothing changed\n`);
      } else if (f.capture.format === 'log') {
        logFiles++;
        logLines += f.capture.packets;
      } else {
        done++;
        packets += f.capture.packets;
        sessions += f.records.sessions ?? 0;
        records += Object.values(f.records).reduce((a, n) => a + n, 0);
        if (f.damaged !== null) {
          io.stderr(`haystack ingest: ${f.damaged.message}; the ${f.capture.packets} packets before it were ingested\n`);
          if (code === EXIT_OK) code = EXIT_PARTIAL;
        }
      }
    }
    const mb = s.bytes / 1e6;
    io.stderr(
      `haystack ingest: ${done} capture${done === 1 ? '' : 's'} ingested into ${store.location}` +
      `${s.files.length - done - logFiles > 0 ? ` (${s.files.filter((f) => f.status === 'already').length} already there, ${s.files.filter((f) => f.status === 'failed').length} failed)` : ''}` +
      `${s.skipped.length > 0 ? `, ${s.skipped.length} files skipped (neither captures nor logs)` : ''}: ` +
      `${packets} packets, ${sessions} sessions, ${records} records, ` +
      `${logFiles > 0 ? `${logFiles} log file${logFiles === 1 ? '' : 's'} (${logLines} lines), ` : ''}${mb.toFixed(1)} MB in ${s.seconds.toFixed(2)} s (${(mb / Math.max(s.seconds, 1e-3)).toFixed(mb / Math.max(s.seconds, 1e-3) < 10 ? 1 : 0)} MB/s)\n`,
    );
  } finally {
    if (stdin) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      // stopped by a signal: the read still waiting on stdin would keep the process alive
      if (stop.signal.aborted) process.stdin.destroy();
    }
    await store.close();
  }
  return code;
}
