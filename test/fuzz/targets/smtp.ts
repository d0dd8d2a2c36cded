// SMTP and MIME: the gen capture's mail sessions and synthetic dialogues (pipelining, BDAT, AUTH, STARTTLS,
// refused DATA, gaps), mutated, through the SMTP analyzer and then the mail record builder (MIME tree,
// transfer encodings, encoded words, uuencode, file typing). Contract: never throws; the same messages
// however the stream is cut.
import { SmtpAnalyzer, type SmtpMessage } from '../../../src/analyzers/smtp/smtp-analyzer.js';
import { mailRecords } from '../../../src/pipeline/mail.js';
import { conversations, fixture, smtpDialogues } from '../seeds.js';
import { decodeStream, deliver, encodeStream, session, streamInput, type StreamInput } from '../stream.js';
import { canon, mustNotReject, sameRecords, type FuzzTarget } from '../target.js';

function run(input: StreamInput, split: boolean): { out: unknown; msgs: SmtpMessage[]; anomalies: ReturnType<typeof session>['anomalies'] } {
  const { s, anomalies, events } = session();
  const msgs: SmtpMessage[] = [];
  deliver(new SmtpAnalyzer({ session: s, anomalies, emit: (m) => msgs.push(m) }), input, split);
  return { out: canon({ msgs, anomalies: events.map((e) => e.name) }), msgs, anomalies };
}

export async function make(): Promise<FuzzTarget<StreamInput>> {
  const seeds = [...await conversations(fixture('smtp-attachments.pcap')), ...smtpDialogues()];
  return {
    name: 'smtp',
    about: 'SmtpAnalyzer + mailRecords (MIME, encodings, file typing) on mutated SMTP conversations: no throw, chunking-invariant',
    arbitrary: streamInput(seeds),
    check: async (input) => {
      const whole = run(input, false);
      sameRecords('smtp', whole.out, run(input, true).out);
      for (const m of whole.msgs) await mustNotReject('mailRecords()', () => mailRecords(m, { anomalies: whole.anomalies, filesDir: null }));
    },
    encode: encodeStream,
    decode: decodeStream,
  };
}
