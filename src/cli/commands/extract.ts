// `haystack extract <capture...> -o DIR`: every message's attachments (and HTTP objects as they land) written
// content-addressed under DIR/files/, one MIME skeleton per message on stdout (or JSON lines with --json).
import { mkdirSync } from 'node:fs';
import { HaystackError } from '../../core/errors.js';
import { compileFilter, parseFilter } from '../../query/filter.js';
import { analysis } from '../../pipeline/analyzers.js';
import { Engine } from '../../pipeline/engine.js';
import { MailQueue, store, type MailRecords } from '../../pipeline/mail.js';
import { HttpQueue, type HttpRecords } from '../../pipeline/http.js';
import { HTTP } from '../../schema/http.js';
import { SMTP } from '../../schema/smtp.js';
import { isoMicros } from '../../core/time.js';
import { parse, requireInputs, stringOption } from '../args.js';
import { escapeControls } from '../format/escape.js';
import type { CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { reportDamage } from './report.js';

export const usage = `haystack extract <capture...> -o DIR [--proto smtp,http] [--uid UID | --filter EXPR] [--all-parts] [--json]
Objects go to DIR/files/<first 2 hex of sha256>/<sha256> (the same content is stored once): mail parts and
HTTP request and response bodies (content codings undone). --filter takes the filter language over smtp
fields (and http fields for HTTP objects); --all-parts also extracts text bodies and message/rfc822 parts.`;

const PROTOS = ['smtp', 'http'];

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('extract', argv, {
    output: { type: 'string', short: 'o' },
    proto: { type: 'string' },
    uid: { type: 'string' },
    filter: { type: 'string' },
    'all-parts': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return 0;
  }
  const dir = stringOption(values.output);
  if (dir === undefined) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'extract: -o DIR is required');
  const protos = (stringOption(values.proto) ?? PROTOS.join(',')).split(',').map((x) => x.trim()).filter((x) => x !== '');
  for (const p of protos) if (!PROTOS.includes(p)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `--proto: "${p}" is not one of ${PROTOS.join(', ')}`);
  const uid = stringOption(values.uid);
  const filterText = stringOption(values.filter);
  if (uid !== undefined && filterText !== undefined) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', '--uid and --filter exclude each other');
  const byUid = uid !== undefined ? (r: { uid: unknown }) => r.uid === uid : null;
  const keep = filterText !== undefined && protos.includes('smtp') ? compileFilter(parseFilter(filterText, SMTP)) : byUid;
  const keepHttp = filterText !== undefined && protos.includes('http') ? compileFilter(parseFilter(filterText, HTTP)) : byUid;
  if (filterText !== undefined && protos.length > 1) {
    throw new HaystackError('HAYSTACK_BAD_ARGUMENT', '--filter needs one --proto (smtp or http): their fields differ');
  }
  const inputs = requireInputs('extract', positionals);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new HaystackError('HAYSTACK_IO', `${dir}: cannot create (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file: dir, cause: e });
  }
  const json = values.json === true;
  let messages = 0;
  let objects = 0;
  const show = async (r: MailRecords): Promise<void> => {
    // a transaction that ended without a message (refused, aborted) has nothing to extract
    if (r.smtp.skeleton === null && !r.smtp.starttls) return;
    if (keep !== null && !keep(r.smtp)) return;
    // the filter needed the record first: the kept message's objects are stored now
    if (keep !== null) for (let i = 0; i < r.files.length; i++) r.files[i]!.stored_path = await store(dir, r.files[i]!.sha256, r.contents[i]!);
    messages++;
    objects += r.files.length;
    if (json) {
      io.stdout(`${JSON.stringify({ type: 'smtp', smtp: { ...r.smtp, ts: isoMicros(r.smtp.ts) }, files: r.files.map((f) => ({ ...f, ts: isoMicros(f.ts) })) })}\n`);
      return;
    }
    const s = r.smtp;
    io.text(`== message ${s.uid}#${s.trans_depth} ${isoMicros(s.ts)} ${s.src_ip}:${s.src_port} -> ${s.dst_ip}:${s.dst_port}\n` +
      `From: ${escapeControls(s.mail_from ?? '-')}  To: ${escapeControls(s.rcpt_to.join(', ') || '-')}\nSubject: ${escapeControls(s.subject ?? '')}\n` +
      `${s.starttls ? 'STARTTLS: the rest of the session is encrypted\n' : ''}${s.skeleton ?? ''}\n\n`);
  };
  const showHttp = async (r: HttpRecords): Promise<void> => {
    if (keepHttp !== null && !keepHttp(r.http)) return;
    if (keepHttp !== null) for (let i = 0; i < r.files.length; i++) r.files[i]!.stored_path = await store(dir, r.files[i]!.sha256, r.contents[i]!);
    objects += r.files.length;
    if (json) {
      io.stdout(`${JSON.stringify({ type: 'http', http: { ...r.http, ts: isoMicros(r.http.ts) }, files: r.files.map((f) => ({ ...f, ts: isoMicros(f.ts) })) })}\n`);
      return;
    }
    const h = r.http;
    for (const f of r.files) {
      io.text(`== http ${h.uid}#${h.trans_depth} ${isoMicros(h.ts)} ${h.src_ip}:${h.src_port} -> ${h.dst_ip}:${h.dst_port} ${escapeControls(h.method ?? '-')} ${escapeControls(h.uri ?? '-')} ${h.status_code ?? '-'}\n` +
        `${f.part_path} body: ${f.size} bytes, ${escapeControls(f.declared_type ?? 'no type given')}, real ${f.mime_type ?? 'unknown'}, sha256 ${f.sha256}` +
        `${f.stored_path !== null ? `, stored ${f.stored_path}` : f.missing_bytes > 0 ? `, ${f.missing_bytes} bytes missing (not stored)` : ''}\n\n`);
    }
  };
  const progress = new Progress(io);
  // with a filter, objects are stored only for the messages it keeps
  const mail = new MailQueue({ anomalies: { add: (...a) => engine.anomalies.add(...a) }, filesDir: keep === null ? dir : null, allParts: values['all-parts'] === true }, show);
  const web = new HttpQueue({ anomalies: { add: (...a) => engine.anomalies.add(...a) }, filesDir: keepHttp === null ? dir : null }, showHttp);
  const an = analysis({ ...(protos.includes('smtp') ? { smtp: mail.push } : {}), ...(protos.includes('http') ? { http: web.push } : {}) }, () => engine);
  const drain = async (): Promise<void> => {
    await mail.drain();
    await web.drain();
  };
  const engine: Engine = new Engine(
    { ...an.handlers, progress: (input, bytes) => progress.update(input, bytes, null), afterChunk: drain },
    an.options,
  );
  const res = await engine.run(inputs);
  await drain();
  progress.done();
  io.stderr(`haystack extract: ${messages} message${messages === 1 ? '' : 's'}, ${objects} object${objects === 1 ? '' : 's'} in ${dir}/files\n`);
  return reportDamage(io, res);
}
