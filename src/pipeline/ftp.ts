// FTP events to records: a transfer over a data channel becomes a `files` row (hashed, typed and stored
// content-addressed like mail parts and HTTP bodies; uid is the data session's), and the control session's
// rows get the file's fuid and type. Events come in order: a transfer before the rows that name it.
import type { AnomalyLog } from '../core/anomaly.js';
import type { FtpEvent, FtpTransfer } from '../analyzers/ftp/ftp-analyzer.js';
import { bounded } from '../schema/bounds.js';
import { FILES, type FileRecord } from '../schema/files.js';
import { FTP, type FtpRecord } from '../schema/ftp.js';
import { hashes, makeFuid, realTypeOf, store, type ObjectWrites } from './objects.js';

export interface FtpOptions {
  anomalies: Pick<AnomalyLog, 'add'>;
  /** where files are stored (`DIR/files/ab/<sha256>`); null = hashed and typed only */
  filesDir: string | null;
  writes?: ObjectWrites;
}

/** A command's row, or a transfer's file with its bytes (the first FTP_MAX_FILE of them). */
export type FtpOut = { ftp: FtpRecord; file: null } | { ftp: null; file: FileRecord; content: Uint8Array };

/** The files row of one transfer (its name: the command's argument, as sent). */
export async function ftpFile(t: FtpTransfer, o: FtpOptions): Promise<FileRecord> {
  const s = t.session;
  const h = hashes(t.data);
  const real = await realTypeOf(t.data, h.sha256);
  const cut = t.size > t.data.length;
  if (cut) o.anomalies.add(t.endTs, s.uid, 'ftp_file_too_large', `${t.size} bytes: the first ${t.data.length} are hashed and typed`);
  const f = bounded(FILES, {
    fuid: makeFuid(s.uid, 'ftp', t.channel.controlUid),
    uid: s.uid,
    ts: t.endTs,
    source: 'ftp',
    message_id: null,
    part_path: null,
    filename: t.channel.arg,
    declared_type: null,
    mime_type: real,
    size: t.data.length,
    missing_bytes: t.missing,
    md5: h.md5,
    sha1: h.sha1,
    sha256: h.sha256,
    stored_path: o.filesDir === null || cut || t.missing > 0 ? null : o.writes !== undefined ? o.writes.put(o.filesDir, h.sha256, t.data) : await store(o.filesDir, h.sha256, t.data),
    capture_id: null,
  }, (name, detail) => o.anomalies.add(t.endTs, s.uid, name, detail));
  t.channel.fuid = f.fuid;
  t.channel.mime = real;
  return f;
}

/** Events wait here while packets are read; drain() turns them into records between chunks. */
export class FtpQueue {
  private pending: FtpEvent[] = [];

  constructor(private readonly o: FtpOptions, private readonly out: (r: FtpOut) => void | Promise<void>) {}

  readonly push = (e: FtpEvent): void => {
    this.pending.push(e);
  };

  async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const e = this.pending.shift()!;
      if (e.kind === 'transfer') {
        await this.out({ ftp: null, file: await ftpFile(e.transfer, this.o), content: e.transfer.data });
        continue;
      }
      const row = e.row;
      if (e.channel !== null && e.channel.fuid !== null && e.channel.data !== null && row.data_uid === e.channel.data.uid) {
        row.fuid = e.channel.fuid;
        row.mime_type = e.channel.mime;
      }
      await this.out({ ftp: bounded(FTP, row, (name, detail) => this.o.anomalies.add(row.ts, row.uid, name, detail)), file: null });
    }
  }
}
