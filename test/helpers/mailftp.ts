// Everything analyze() gives for a capture, by record type: what the ftp/pop3/imap tests compare with peers.
import { analyze } from '../../src/pipeline/api.js';
import type { AnomalyEvent } from '../../src/core/anomaly.js';
import type { FileRecord } from '../../src/schema/files.js';
import type { FtpRecord } from '../../src/schema/ftp.js';
import type { ImapRecord } from '../../src/schema/imap.js';
import type { Pop3Record } from '../../src/schema/pop3.js';
import type { SessionRecord } from '../../src/schema/sessions.js';
import type { TlsRecord } from '../../src/schema/tls.js';

export interface MailFtpRun {
  sessions: SessionRecord[];
  ftp: FtpRecord[];
  pop3: Pop3Record[];
  imap: ImapRecord[];
  files: FileRecord[];
  tls: TlsRecord[];
  anomalies: AnomalyEvent[];
}

export async function mailFtpRun(paths: string | string[]): Promise<MailFtpRun> {
  const out: MailFtpRun = { sessions: [], ftp: [], pop3: [], imap: [], files: [], tls: [], anomalies: [] };
  for await (const r of analyze(paths, { smtp: false, http: false, dns: false })) {
    if (r.type === 'session') out.sessions.push(r.record);
    else if (r.type === 'ftp') out.ftp.push(r.record);
    else if (r.type === 'pop3') out.pop3.push(r.record);
    else if (r.type === 'imap') out.imap.push(r.record);
    else if (r.type === 'file') out.files.push(r.record);
    else if (r.type === 'tls') out.tls.push(r.record);
    else if (r.type === 'anomaly') out.anomalies.push(r.record);
  }
  for (const k of ['ftp', 'pop3', 'imap'] as const) (out[k] as { ts: number }[]).sort((a, b) => a.ts - b.ts);
  return out;
}
