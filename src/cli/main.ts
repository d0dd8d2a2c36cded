// The `haystack` command: picks the verb, runs it, maps errors to messages and exit statuses.
import { cannotWrite, isHaystackError, type HaystackError } from '../core/errors.js';
import { boundHeapGrowth } from './heap-growth.js';
import { commandIo, EXIT_FAILURE, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, processIo, type CliIo, type CliStreams } from './io.js';

interface CommandModule {
  usage: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

/** A verb: its one-line summary, and its module, loaded when it runs (a command pays only for what it uses). */
interface Command {
  summary: string;
  load(): Promise<CommandModule>;
}

/** Verbs in help order. */
export const COMMANDS: ReadonlyMap<string, Command> = new Map<string, Command>([
  ['sessions', { summary: 'session records (5-tuple, counters, state, direction, Community ID)', load: () => import('./commands/sessions.js') }],
  ['streams', { summary: 'reassembled TCP streams as files (tcpflow naming) + index.jsonl', load: () => import('./commands/streams.js') }],
  ['tls', { summary: 'TLS ClientHellos on any port: SNI, versions, ALPN, JA3, JA4, the server\'s answer', load: () => import('./commands/tls.js') }],
  ['smtp', { summary: 'SMTP messages on any port: envelope, headers, attachments (hashes), MIME skeleton', load: () => import('./commands/smtp.js') }],
  ['dns', { summary: 'DNS queries and responses over UDP and TCP on any port: names, types, rcodes, answers with TTLs, rtt, EDNS', load: () => import('./commands/dns.js') }],
  ['ftp', { summary: 'FTP commands and replies on any port: user, command, reply, data channels linked to their sessions, transferred files (hashes, type)', load: () => import('./commands/ftp.js') }],
  ['pop3', { summary: 'POP3 commands and +OK/-ERR replies on any port: user, command, status (passwords never kept)', load: () => import('./commands/pop3.js') }],
  ['imap', { summary: 'IMAP commands and tagged completions on any port: user, tag, command, OK/NO/BAD (passwords never kept)', load: () => import('./commands/imap.js') }],
  ['http', { summary: 'HTTP/1.x requests and responses on any port: method, host, URI, user agent, status, body sizes and hashes', load: () => import('./commands/http.js') }],
  ['inspect', { summary: 'content findings: card numbers, SSNs, IBANs, keys and tokens, cleartext logins, remote-access tools, label/content and protocol/port mismatches (validated, masked, never in clear)', load: () => import('./commands/inspect.js') }],
  ['ssh', { summary: 'SSH sessions on any port: version lines, HASSH, algorithms chosen, host key, authentication inferred', load: () => import('./commands/ssh.js') }],
  ['extract', { summary: 'write mail attachments and HTTP bodies (content-addressed, hashed, typed); print MIME skeletons', load: () => import('./commands/extract.js') }],
  ['alerts', { summary: 'run Snort/Suricata rules over captures (packets, TCP streams, HTTP and TLS buffers)', load: () => import('./commands/alerts.js') }],
  ['rules', { summary: 'check rule files: how many load, which do not and why (by sid), syntax errors by line', load: () => import('./commands/rules.js') }],
  ['info', { summary: 'capture facts: format, link types, interfaces, packets, time span, anomalies', load: () => import('./commands/info.js') }],
  ['ingest', { summary: 'write the records of captures (files or directories) into the store: sessions, tls, http, smtp, dns, ssh, ftp, pop3, imap, files, anomalies, alerts', load: () => import('./commands/ingest.js') }],
  ['import', { summary: 'import Zeek logs (TSV or JSON) and Suricata EVE files into the store\'s tables (origin zeek / suricata, their own uids)', load: () => import('./commands/import.js') }],
  ['sensor', { summary: 'capture from an interface with dumpcap as a ring of pcap files, each ingested once it is closed (kept for carving until --keep removes it)', load: () => import('./commands/sensor.js') }],
  ['logs', { summary: 'parse log files (syslog, Logstash grok filters, built-in mail recipes) and ingest them into the store\'s logs table', load: () => import('./commands/logs.js') }],
  ['recipes', { summary: 'list the built-in log recipes: programs, event types and their fields', load: () => import('./commands/recipes.js') }],
  ['grok', { summary: 'grok debugger: which pattern matches a line, every capture, and how far the closest pattern got', load: () => import('./commands/grok.js') }],
  ['mail', { summary: 'one message across logs and captures: its log lines in time order, joined to the SMTP transaction, skeleton and attachments', load: () => import('./commands/mail.js') }],
  ['sql', { summary: 'run a read-only SQL query on the store', load: () => import('./commands/sql.js') }],
  ['report', { summary: 'report labels: declared vs detected, layer by layer (port, protocol, Content-Type, extension, magic bytes, content found)', load: () => import('./commands/report-verb.js') }],
  ['top', { summary: 'top destination ports, protocols, addresses or SNIs by bytes into and out of the home network', load: () => import('./commands/top.js') }],
  ['counts', { summary: 'counts per hour, day or week of a table (e.g. alerts of one signature per day)', load: () => import('./commands/counts.js') }],
  ['trends', { summary: 'signatures whose latest day of alerts is far above their own baseline', load: () => import('./commands/trends.js') }],
  ['carve', { summary: 'a session\'s packets back out of its capture as a pcap (from the store)', load: () => import('./commands/carve.js') }],
  ['transcript', { summary: 'a TCP session of the store reassembled as text (direction markers, escapes) or a hex dump', load: () => import('./commands/transcript.js') }],
  ['export', { summary: 'write a table of the store to a Parquet, JSON-lines or CSV file', load: () => import('./commands/export.js') }],
  ['serve', { summary: 'the web console and its API over the store: login, roles, audit (127.0.0.1 by default)', load: () => import('./commands/serve.js') }],
  ['users', { summary: 'console accounts: add, passwd, role, restrict, disable, enable, list', load: () => import('./commands/users.js') }],
  ['init', { summary: 'create the store\'s tables (on a ClickHouse cluster: run it once on every node)', load: () => import('./commands/init.js') }],
]);

function help(): string {
  const rows = [...COMMANDS].map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`);
  return `haystack — network security monitoring workbench\n\nusage: haystack <command> [options]\n\n${rows.join('\n')}\n\n` +
    `Run 'haystack <command> --help' for a command's options.\n` +
    `Exit status: 0 ok, 1 failure, 2 bad arguments, 3 an input was truncated or corrupt (output complete up to the damage).\n`;
}

/** The one line a failed verb leaves on stderr. */
function failure(verb: string, e: HaystackError): string {
  return `haystack ${verb}: ${e.message}\n`;
}

export async function main(argv: string[], streams: CliStreams = processIo): Promise<number> {
  const io = commandIo(streams);
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    io.text(help());
    return verb === undefined ? EXIT_USAGE : 0;
  }
  const cmd = COMMANDS.get(verb);
  if (cmd === undefined) {
    io.stderr(`haystack: unknown command "${verb}"\n\n${help()}`);
    return EXIT_USAGE;
  }
  try {
    return await (await cmd.load()).run(rest, io);
  } catch (e) {
    if (isHaystackError(e)) {
      io.stderr(failure(verb, e));
      return e.code === 'HAYSTACK_BAD_ARGUMENT' || e.code === 'HAYSTACK_BAD_OPTION' ? EXIT_USAGE : EXIT_FAILURE;
    }
    throw e;
  }
}

/**
 * main() on the process's own streams (bin/haystack.js). A write to stdout that fails (a full disk, a closed
 * terminal) ends the run with one line naming it and exit 1, wherever the verb was; a reader that went away
 * (EPIPE: `| head`) ends it quietly with 0. Diagnostics that cannot be written are dropped: the work goes on.
 */
export async function runProcess(argv: string[]): Promise<number> {
  const verb = argv[0] ?? 'haystack';
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT_OK);
    commandIo(processIo).stderr(failure(verb, cannotWrite('stdout', e)));
    process.exit(EXIT_FAILURE);
  });
  process.stderr.on('error', () => undefined);
  // the packet verbs: the old generation's headroom bounded, so that peak RSS stays flat with capture length
  boundHeapGrowth(verb);
  try {
    return await main(argv, processIo);
  } catch (e) {
    // a bug, not bad input: the stack for the report, escaped like every diagnostic (it may quote input)
    commandIo(processIo).stderr(`haystack: internal error: ${e instanceof Error && e.stack !== undefined ? e.stack : String(e)}\n`);
    return EXIT_INTERNAL;
  }
}
