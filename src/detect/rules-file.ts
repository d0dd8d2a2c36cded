// A rules file: comments and blank lines skipped, backslash continuations joined, each rule parsed; rules that
// use something unsupported are listed with the reason, syntax errors with file, line and column.
import { RuleSyntaxError, withDefaults } from './addresses.js';
import { Classifications } from './classification.js';
import { parseRule } from './parse-rule.js';
import type { Rule } from './rule.js';

export interface NotLoaded {
  file: string;
  line: number;
  sid: number | null;
  msg: string | null;
  keyword: string;
  reason: string;
}

export interface RuleError {
  file: string;
  line: number;
  column: number | null;
  message: string;
}

export interface RuleSet {
  rules: Rule[];
  notLoaded: NotLoaded[];
  errors: RuleError[];
  /** active rule lines read (loaded + not loaded + errors) */
  total: number;
}

export interface RuleOptions {
  vars?: Readonly<Record<string, string>>;
  classifications?: Classifications;
}

/** Parses a rules file's text. */
export function parseRules(text: string, file: string, o: RuleOptions = {}): RuleSet {
  const vars = withDefaults(o.vars);
  const classifications = o.classifications ?? new Classifications();
  const out: RuleSet = { rules: [], notLoaded: [], errors: [], total: 0 };
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!;
    if (line.endsWith('\\') && i + 1 < lines.length) {
      // joined once: appending line by line would copy the rule so far each time (quadratic in its lines)
      const parts = [line.slice(0, -1)];
      while (i + 1 < lines.length) {
        const next = lines[++i]!;
        if (!next.endsWith('\\') || i + 1 === lines.length) {
          parts.push(next);
          break;
        }
        parts.push(next.slice(0, -1));
      }
      line = parts.join('');
    }
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    if (/^(var|ipvar|portvar)\s/.test(t)) {
      const m = /^\w+\s+([A-Za-z_]\w*)\s+(.+)$/.exec(t);
      if (m === null) out.errors.push({ file, line: start + 1, column: 1, message: 'a variable is "var NAME VALUE"' });
      else vars[m[1]!] = m[2]!.trim();
      continue;
    }
    if (/^(config|include|preprocessor|output|dynamic\w*)\s/.test(t)) continue;
    out.total++;
    try {
      const r = parseRule(t, { vars, classifications, file, line: start + 1 });
      if (r.ok) out.rules.push(r.rule);
      else out.notLoaded.push({ file, line: start + 1, sid: r.sid, msg: r.msg, keyword: r.keyword, reason: r.reason });
    } catch (e) {
      if (!(e instanceof RuleSyntaxError)) throw e;
      out.errors.push({ file, line: start + 1, column: e.column, message: e.message });
    }
  }
  return out;
}
