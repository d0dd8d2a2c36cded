// SMTP and MIME: the gen capture's mail sessions and synthetic dialogues (pipelining, BDAT, AUTH, STARTTLS,
// refused DATA, gaps), mutated, through the SMTP analyzer and then the mail record builder (MIME tree,
// transfer encodings, encoded words, uuencode, file typing). Contract: never throws; the same messages
// however the stream is cut.
import { SmtpAnalyzer, type SmtpMessage } from '../../../src/analyzers/smtp/smtp-analyzer.js';
import { mailRecords } from '../../../src/pipeline/mail.js';
import { conversations, fixture, smtpDialogues } from '../seeds.js';
import { streamTarget, type StreamInput } from '../stream.js';
import type { FuzzTarget } from '../target.js';

export async function make(): Promise<FuzzTarget<StreamInput>> {
  return streamTarget<SmtpMessage>({
    name: 'smtp',
    about: 'SmtpAnalyzer + mailRecords (MIME, encodings, file typing) on mutated SMTP conversations: no throw, chunking-invariant',
    seeds: [...await conversations(fixture('smtp-attachments.pcap')), ...smtpDialogues()],
    analyzer: (session, anomalies, emit) => new SmtpAnalyzer({ session, anomalies, emit }),
    records: (m, anomalies) => mailRecords(m, { anomalies, filesDir: null }),
  });
}
