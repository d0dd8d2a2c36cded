// JSON lines of imported logs: how deep one nests, told before it is parsed (a line of 100,000 nested arrays
// parses, but every recursive walk of the value afterwards overflows the stack), and why one does not parse.

/**
 * Arrays and objects a log line may nest: Suricata's deepest EVE events (dns answers, http headers, tls
 * certificates) nest 4-5 levels; Zeek's JSON is flat. 64 is far past both and far below V8's stack.
 */
export const MAX_JSON_DEPTH = 64;

/** Whether the JSON text opens more than `max` arrays and objects inside one another (strings skipped). */
export function jsonDeeperThan(text: string, max = MAX_JSON_DEPTH): boolean {
  // fewer brackets than that cannot nest that deep
  if (text.length <= 2 * max) return false;
  // nor can a line with at most `max` opening brackets in all (counted by indexOf, far faster than the walk)
  let opens = 0;
  for (let i = text.indexOf('{'); i >= 0 && opens <= max; i = text.indexOf('{', i + 1)) opens++;
  for (let i = text.indexOf('['); i >= 0 && opens <= max; i = text.indexOf('[', i + 1)) opens++;
  if (opens <= max) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > max) return true;
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  return false;
}

/**
 * Why JSON.parse refused a line, without the excerpt of the line V8 quotes (`Unexpected token 'h', "{"password":
 * hunter2}" is not valid JSON`): the anomaly is stored and printed, and the line may hold a credential.
 */
export function jsonSyntaxReason(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return `not JSON (${m.replace(/, .*is not valid JSON/s, '').slice(0, 120)})`;
}

/** One JSON-lines line read as an object: the object, a blank line (`meta`), or why it is not one. */
export type JsonObjectLine = { kind: 'object'; o: Record<string, unknown> } | { kind: 'meta' } | { kind: 'bad'; reason: string };

/** Parses one line of a JSON-lines file (EVE, Zeek JSON) that must hold an object, nesting bounded first. */
export function jsonObjectLine(text: string): JsonObjectLine {
  if (text.trim() === '') return { kind: 'meta' };
  if (jsonDeeperThan(text)) return { kind: 'bad', reason: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` };
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (e) {
    return { kind: 'bad', reason: jsonSyntaxReason(e) };
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return { kind: 'bad', reason: 'not a JSON object' };
  return { kind: 'object', o: o as Record<string, unknown> };
}
