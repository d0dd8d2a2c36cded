// Log lines: mail daemon lines of every built-in recipe under RFC 3164, RFC 5424 and ISO headers, mutated,
// through the log parser with all recipes (syslog header, program dispatch, grok, key=value splitting, Ruby
// number conversion), cut at MAX_LOG_LINE as the line reader cuts them. Contract: never throws; each line
// finishes (the runner's time bound catches a recipe that backtracks without end).
import fc from 'fast-check';
import { LogParser } from '../../../src/logs/parse-log.js';
import { MAX_LOG_LINE } from '../../../src/pipeline/logs.js';
import { bytesText, ContractError, mustNotThrow, mutatedText, textBytes, type FuzzTarget } from '../target.js';
import { LOG_LINES } from './logs-seeds.js';

const VOCABULARY = [' ', ':', '[', ']', '<', '>', '=', ',', ';', '(', ')', '"', '\t', '\r', 'from=', 'to=', 'status=', 'relay=', '0', '-1',
  '99999999999999999999', '1e999', '0x1f', '1_000', 'Feb 29', '2026-02-30T25:61:61Z', '<999>', '<34>1', 'postfix/smtpd[1]:', 'sm-mta[1]:', '\u00e9', '\ud800'];

export function make(): FuzzTarget<{ line: string }> {
  const parsers = [new LogParser(), new LogParser({ tz: 'Europe/Berlin', year: 2024 })];
  return {
    name: 'logs',
    about: 'LogParser (all recipes, two zone settings) on mutated mail/sshd log lines: no throw, no hang',
    arbitrary: fc.record({ line: mutatedText(LOG_LINES, VOCABULARY, 6) }),
    check: ({ line }) => {
      const kept = line.slice(0, MAX_LOG_LINE);
      for (const p of parsers) {
        const r = mustNotThrow('LogParser.parse()', () => p.parse(kept));
        if (r.ts !== null && !Number.isFinite(r.ts)) throw new ContractError(`ts is not a finite number: ${r.ts}`);
      }
    },
    encode: (i) => ({ bin: textBytes(i.line) }),
    decode: (e) => ({ line: bytesText(e.bin) }),
  };
}
