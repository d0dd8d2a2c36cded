// `haystack sensor -i IFACE`: continuous capture with dumpcap, each closed ring file ingested into the store.
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { HaystackError } from '../../core/errors.js';
import { runSensor, sensorName } from '../../pipeline/sensor.js';
import { checkFilter, findDumpcap, MAX_ROTATE_BYTES, MAX_ROTATE_MS, MIN_ROTATE_BYTES, MIN_ROTATE_MS } from '../../pipeline/sensor-dumpcap.js';
import { limitOption, type Limit } from '../../pipeline/sensor-options.js';
import { openStore } from '../../store/open.js';
import { homeNetOption, parse, stringOption } from '../args.js';
import { INSPECT_OPTIONS, INSPECT_USAGE, inspectOption } from '../inspect-args.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, type CliIo } from '../io.js';
import { DB_OPTION } from '../store-args.js';
import { loadRules, RULE_OPTIONS } from './rules.js';

/** --keep bounds: less than a minute or a megabyte would remove files as fast as they close. */
const KEEP_LIMITS = { minMs: 1000, maxMs: 3650 * 86_400_000, minBytes: 1000, maxBytes: 1e15 };
const DEFAULT_ROTATE = '60s';

export const usage = `haystack sensor -i IFACE --db URL [--filter BPF] [--rotate 60s|256MB] [--keep 7d|50GB] [--sensor NAME]
                [--dir DIR] [--home-net CIDR,...] [--files DIR] [--rules FILE... [--var NAME=VALUE]...]
                [--no-inspect] [--remote-access DIR]
  -i IFACE         the interface dumpcap captures on (Debian: apt-get install wireshark-common)
  --filter BPF     a capture filter (checked before the capture starts)
  --rotate SPAN    a new ring file every SPAN (whole seconds: 2s, 60s, 5m) or SIZE (256MB); default ${DEFAULT_ROTATE}
  --keep LIMIT     remove this sensor's oldest ingested ring files past an age (7d) or a total size (50GB);
                   default: keep all. Their rows stay in the store; a carve of them says the pcap is gone.
  --sensor NAME    the rows' sensor and the ring files' prefix (default: the host name)
  --dir DIR        where the ring files are written and kept (default ./pcap)
${INSPECT_USAGE}
Each file is ingested once dumpcap has closed it, where it lies (haystack carve reads it). On start, the ring
files a previous run left are ingested unless the store has them (nothing lost, nothing twice). A session is
written in each file its packets are in (a file is a capture of its own). SIGINT/SIGTERM stop dumpcap, ingest
its last file and exit. dumpcap's received/dropped counts go to stderr and to the last file's captures stats.`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('sensor', argv, {
    ...DB_OPTION,
    interface: { type: 'string', short: 'i' },
    filter: { type: 'string' },
    rotate: { type: 'string' },
    keep: { type: 'string' },
    sensor: { type: 'string' },
    dir: { type: 'string' },
    'home-net': { type: 'string', multiple: true },
    files: { type: 'string' },
    rules: { type: 'string', multiple: true },
    ...RULE_OPTIONS,
    ...INSPECT_OPTIONS,
  });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return 0;
  }
  const bad = (m: string): HaystackError => new HaystackError('HAYSTACK_BAD_ARGUMENT', `sensor: ${m}`);
  if (positionals.length > 0) throw bad(`unexpected ${JSON.stringify(positionals[0])} (the sensor reads an interface: -i IFACE)`);
  const iface = stringOption(values.interface);
  if (iface === undefined || iface === '') throw bad('no interface given (-i IFACE)');
  // an interface name the kernel does not know fails here, not in dumpcap's words later ("any" and numbers are dumpcap's)
  if (existsSync('/sys/class/net') && iface !== 'any' && !/^\d+$/.test(iface) && !existsSync(`/sys/class/net/${iface.replace(/\//g, '_')}`)) {
    throw bad(`-i ${JSON.stringify(iface)}: no such network interface (ip link lists them)`);
  }
  const rotate: Limit = limitOption('rotate', stringOption(values.rotate) ?? DEFAULT_ROTATE, { minMs: MIN_ROTATE_MS, maxMs: MAX_ROTATE_MS, minBytes: MIN_ROTATE_BYTES, maxBytes: MAX_ROTATE_BYTES });
  if (rotate.kind === 'age' && rotate.ms % 1000 !== 0) throw bad(`--rotate ${String(values.rotate)}: dumpcap rotates on whole seconds`);
  const keepText = stringOption(values.keep);
  const keep = keepText === undefined ? null : limitOption('keep', keepText, KEEP_LIMITS);
  const sensor = sensorName(stringOption(values.sensor) ?? hostname().split('.')[0] ?? 'sensor');
  const dumpcap = findDumpcap();
  const filter = stringOption(values.filter) ?? null;
  if (filter !== null) checkFilter(dumpcap, iface, filter);
  const homeNet = homeNetOption(values['home-net']);
  const ruleFiles = (values.rules ?? []) as string[];
  const set = ruleFiles.length === 0 ? null : loadRules(ruleFiles, values, homeNet.length > 0 ? { HOME_NET: `[${homeNet.join(',')}]` } : {});
  if (set !== null) {
    for (const e of set.errors) io.stderr(`haystack sensor: ${e.file}:${e.line}${e.column !== null ? `:${e.column}` : ''}: ${e.message}\n`);
    if (set.errors.length > 0) {
      io.stderr('haystack sensor: the rules have syntax errors (above); the sensor did not start\n');
      return EXIT_USAGE;
    }
  }
  const inspect = inspectOption(values, io, 'sensor');
  const store = await openStore(stringOption(values.db));
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const dir = stringOption(values.dir) ?? 'pcap';
    io.stderr(`haystack sensor: ${sensor} capturing on ${iface} into ${dir}, ingesting into ${store.location}\n`);
    const s = await runSensor(store, {
      iface,
      filter,
      rotate,
      keep,
      dir,
      sensor,
      signal: stop.signal,
      log: (l) => io.stderr(`haystack sensor: ${l}\n`),
      ingest: {
        homeNet,
        filesDir: stringOption(values.files) ?? null,
        ...(set !== null ? { rules: set.rules } : {}),
        inspect,
      },
    });
    const failed = s.files.filter((f) => f.status === 'failed').length;
    io.stderr(`haystack sensor: stopped; ${s.files.filter((f) => f.status === 'ingested').length} files ingested, ${failed} failed, ${s.removed.length} removed by retention\n`);
    if (s.failure !== null) {
      io.stderr(`haystack sensor: ${s.failure}\n`);
      return EXIT_FAILURE;
    }
    return failed > 0 ? EXIT_PARTIAL : EXIT_OK;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await store.close();
  }
}
