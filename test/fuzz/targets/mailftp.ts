// FTP, POP3 and IMAP: the gen capture's sessions (vsftpd and dovecot, test/fixtures/mailftp) mutated, through
// the three analyzers side by side as a run attaches them (each decides by content whether the stream is its
// own). Contract: never throws; the same rows, and the same fetched messages, however the stream is cut.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Fanout } from '../../../src/analyzers/fanout.js';
import { FtpAnalyzer, FtpChannels } from '../../../src/analyzers/ftp/ftp-analyzer.js';
import { ImapAnalyzer } from '../../../src/analyzers/mailbox/imap-analyzer.js';
import { Pop3Analyzer } from '../../../src/analyzers/mailbox/pop3-analyzer.js';
import type { SmtpMessage } from '../../../src/analyzers/smtp/smtp-analyzer.js';
import { bounded } from '../../../src/schema/bounds.js';
import { FTP } from '../../../src/schema/ftp.js';
import { ROOT } from '../../helpers/run.js';
import { conversations } from '../seeds.js';
import { streamTarget, type StreamInput } from '../stream.js';
import type { FuzzTarget } from '../target.js';

type Row = { t: 'ftp' | 'pop3' | 'imap' | 'transfer' | 'message'; row: unknown };

/** A fetched message as compared across cuts: how it came, its bytes (as text), its counts. */
const fetched = (m: SmtpMessage): unknown => [m.fetched, m.transDepth, m.ts, Buffer.from(m.data ?? new Uint8Array(0)).toString('latin1'), m.dataBytes, m.missingBytes, m.lastReply, m.authUser];

export async function make(): Promise<FuzzTarget<StreamInput>> {
  const pcap = new Uint8Array(readFileSync(join(ROOT, 'test/fixtures/mailftp/mailftp-gen.pcap')));
  return streamTarget<Row>({
    name: 'mailftp',
    about: 'FtpAnalyzer + Pop3Analyzer + ImapAnalyzer on mutated vsftpd/dovecot conversations: no throw, chunking-invariant',
    seeds: await conversations(pcap),
    analyzer: (session, anomalies, emit) => new Fanout([
      new FtpAnalyzer({ session, anomalies, channels: new FtpChannels(), emit: (e) => emit(e.kind === 'command' ? { t: 'ftp', row: e.row } : { t: 'transfer', row: e.transfer.size }) }),
      new Pop3Analyzer({ session, anomalies, emit: (r) => emit({ t: 'pop3', row: r }), message: (m) => emit({ t: 'message', row: fetched(m) }) }),
      new ImapAnalyzer({ session, anomalies, emit: (r) => emit({ t: 'imap', row: r }), message: (m) => emit({ t: 'message', row: fetched(m) }) }),
    ]),
    records: async (m, anomalies) => (m.t === 'ftp' ? bounded(FTP, m.row as never, (n, d) => anomalies.add(0, '', n, d)) : m.row),
  });
}
