// Logstash configurations: the shapes seen in the wild (conditionals, nested plugins, hash and array match
// forms, comments, both quotes, escapes), mutated by token (braces, arrows, keywords) and by byte, read for
// their grok filters, which are then compiled into a log parser and run on a line. Contract: a broken
// configuration is a LogstashConfigError with line and column; its patterns fail only as GrokError.
import fc from 'fast-check';
import { GrokError } from '../../../src/grok/grok.js';
import { grokFilters, LogstashConfigError } from '../../../src/logs/logstash-config.js';
import { LogParser } from '../../../src/logs/parse-log.js';
import { bytesText, mustNotThrow, mutatedText, textBytes, userInput, type FuzzTarget } from '../target.js';
import { LOG_LINES, LOGSTASH_CONFIGS, LOGSTASH_VOCABULARY } from './logs-seeds.js';

const positioned = (e: unknown): boolean => e instanceof LogstashConfigError && e.line >= 1 && e.column >= 1;

export function make(): FuzzTarget<{ config: string }> {
  return {
    name: 'logstash',
    about: 'grokFilters + LogParser on mutated Logstash configs: LogstashConfigError with line/column, GrokError for patterns',
    arbitrary: fc.record({ config: mutatedText(LOGSTASH_CONFIGS, LOGSTASH_VOCABULARY, 5) }),
    check: ({ config }) => {
      const fs = userInput('grokFilters()', () => grokFilters(config), positioned);
      if (fs === null || fs.length === 0) return;
      const filters = fs.map((f, i) => ({ name: `fuzz:${i}`, patterns: f.patterns, fields: f.fields, type: f.type, tags: f.tags, breakOnMatch: f.breakOnMatch }));
      const p = userInput('new LogParser()', () => new LogParser({ recipes: [], filters }), (e) => e instanceof GrokError);
      if (p === null) return;
      for (const l of LOG_LINES.slice(0, 3)) mustNotThrow('LogParser.parse()', () => p.parse(l.slice(0, 40)));
    },
    encode: (i) => ({ bin: textBytes(i.config) }),
    decode: (e) => ({ config: bytesText(e.bin) }),
  };
}
