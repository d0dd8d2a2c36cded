// The `zeek` and `zeek-json` external formats: a table's records as its Zeek log (tls: ssl.log; `haystack export
// all` writes x509.log too), and the directory of logs a whole store makes.
import type { RecordSchema } from '../../schema/schema.js';
import type { ExternalFormat, ExternalWriter, ExternalWriterOptions } from '../external.js';
import { ZEEK_LOGS, zeekLogsOf } from './zeek-logs.js';
import { ZeekLogWriter } from './zeek-writer.js';
import type { ZeekLog } from './zeek-types.js';

function format(name: string, json: boolean, doc: string): ExternalFormat {
  return {
    name,
    doc,
    supports: (table) => zeekLogsOf(table).length > 0,
    writer(schema: RecordSchema, write: (text: string) => void, opts: ExternalWriterOptions): ExternalWriter {
      const log = zeekLogsOf(schema.name)[0];
      if (log === undefined) throw new Error(`no Zeek log is made from ${schema.name} records`);
      return new ZeekLogWriter(log, json, write, opts.now);
    },
  };
}

export const ZEEK_FORMAT = format('zeek', false, 'Zeek ASCII log (TSV with #fields/#types): conn, ssl, http, smtp, files, dns, ssh, ftp, weird, notice');
export const ZEEK_JSON_FORMAT = format('zeek-json', true, "Zeek's JSON log lines (the same columns; unset fields left out)");

/** The file a log goes to in a log directory: conn.log, or notice.log for alerts and findings both. */
export function zeekLogFile(log: ZeekLog): string {
  return `${log.path}.log`;
}

/** Every log of a directory export, with the table it is read from (tls twice: ssl.log and x509.log). */
export function zeekDirectoryLogs(): readonly ZeekLog[] {
  return ZEEK_LOGS;
}
