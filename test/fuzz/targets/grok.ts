// Grok: pattern files and grok patterns as analysts write them (Oniguruma syntax: named groups, inline
// flags, \Q..\E, POSIX classes, properties), mutated, loaded into a library over the built-in patterns,
// compiled, and matched on short lines with the grok debugger's "how far did it get", under the line time
// bound the debugger and ingest use (a user's own pattern may backtrack without end: that line is given up,
// by design). Contract: a bad file or pattern is a GrokError; compiling and matching throw nothing else.
import fc from 'fast-check';
import { GrokError, GrokLibrary, grokMatch } from '../../../src/grok/grok.js';
import { BASE_PATTERNS } from '../../../src/grok/patterns.js';
import { LineGuard } from '../../../src/pipeline/line-guard.js';
import { LINE_TIMEOUT_MS } from '../../../src/pipeline/logs.js';
import { bytesText, mustNotThrow, mutatedText, textBytes, userInput, type FuzzTarget } from '../target.js';
import { GROK_PATTERNS, GROK_VOCABULARY, LOG_LINES } from './logs-seeds.js';

interface Input {
  patterns: string;
  pattern: string;
  line: string;
}

const isGrokError = (e: unknown): boolean => e instanceof GrokError;

export function make(): FuzzTarget<Input> {
  const file = BASE_PATTERNS.filter((_, i) => i % 9 === 0).map(([n, r]) => `${n}_X ${r}`).concat(['# custom', 'QID [0-9A-F]{10,11}', 'PAIR %{QID:q}=%{WORD:v}']);
  const fileSeeds = Array.from({ length: 6 }, (_, k) => file.slice(k * 4, k * 4 + 6).join('\n'));
  const lines = LOG_LINES.map((l) => l.slice(16, 48));
  const guard = new LineGuard(LINE_TIMEOUT_MS);
  return {
    name: 'grok',
    about: 'GrokLibrary.addFile/compile/closest + grokMatch on mutated pattern files and patterns: GrokError only',
    arbitrary: fc.record({
      patterns: fc.oneof(fc.constant(''), mutatedText(fileSeeds, GROK_VOCABULARY, 3)),
      pattern: mutatedText(GROK_PATTERNS, GROK_VOCABULARY),
      line: fc.oneof(fc.constantFrom(...lines), fc.string({ maxLength: 24 })),
    }),
    check: (input) => {
      const lib = new GrokLibrary(BASE_PATTERNS);
      if (userInput('GrokLibrary.addFile()', () => lib.addFile(input.patterns, 'fuzz-patterns'), isGrokError) === null) return;
      const g = userInput('GrokLibrary.compile()', () => lib.compile(input.pattern), isGrokError);
      if (g === null) return;
      guard.run(0, 1, () => {
        mustNotThrow('grokMatch()', () => grokMatch(g, input.line));
        userInput('GrokLibrary.closest()', () => lib.closest(input.pattern, input.line), isGrokError);
      }, () => undefined);
    },
    encode: (i) => ({ bin: textBytes(i.pattern), extra: { patterns: i.patterns, line: i.line } }),
    decode: (e) => {
      const x = (e.extra ?? {}) as { patterns?: string; line?: string };
      return { pattern: bytesText(e.bin), patterns: x.patterns ?? '', line: x.line ?? '' };
    },
  };
}
