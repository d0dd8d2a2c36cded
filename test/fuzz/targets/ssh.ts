// SSH: the gen captures' SSH sessions (mixed-home.pcap's OpenSSH logins, ssh-logins.pcap), mutated (version
// lines, packet and string lengths, KEXINIT lists), through the SSH analyzer. Contract: never throws; the same
// record however the stream is cut, but for the authentication guess, whose input is the size of each
// encrypted delivery (src/analyzers/ssh/ssh-auth.ts), and the gap anomaly an earlier auth decision can pre-empt.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SshAnalyzer } from '../../../src/analyzers/ssh/ssh-analyzer.js';
import type { SshRecord } from '../../../src/schema/ssh.js';
import { ROOT } from '../../helpers/run.js';
import { conversations, fixture } from '../seeds.js';
import { decodeStream, deliver, encodeStream, session, streamInput, type StreamInput } from '../stream.js';
import { canon, sameRecords, type FuzzTarget } from '../target.js';

function run(input: StreamInput, split: boolean): unknown {
  const { s, anomalies, events } = session();
  const records: SshRecord[] = [];
  deliver(new SshAnalyzer({ session: s, anomalies, emit: (r) => records.push(r) }), input, split);
  const kept = records.map((r) => {
    const rest: Partial<SshRecord> = { ...r };
    delete rest.auth_success;
    delete rest.auth_attempts;
    delete rest.auth_reason;
    return rest;
  });
  return canon({ records: kept, anomalies: events.map((e) => e.name).filter((n) => n !== 'ssh_gap') });
}

export async function make(): Promise<FuzzTarget<StreamInput>> {
  const seeds = [
    ...await conversations(fixture('mixed-home.pcap'), (port) => port === 22),
    ...await conversations(new Uint8Array(readFileSync(join(ROOT, 'test/fixtures/ssh/ssh-logins.pcap')))),
  ];
  return {
    name: 'ssh',
    about: 'SshAnalyzer on mutated SSH conversations: no throw, records chunking-invariant but for the size-based auth guess',
    arbitrary: streamInput(seeds, [0, 1, 2, 3, 4, 5]),
    check: (input) => sameRecords('ssh', run(input, false), run(input, true)),
    encode: encodeStream,
    decode: decodeStream,
  };
}
