// Suricata's EVE JSON output, a line at a time: one object per line with its `event_type`.
import { jsonDeeperThan, jsonSyntaxReason, MAX_JSON_DEPTH } from './json-depth.js';

/** One line of an EVE file: the event, or why it cannot be read. */
export type EveLine = { kind: 'event'; event: Record<string, unknown> } | { kind: 'meta' } | { kind: 'bad'; reason: string };

export function eveLine(text: string): EveLine {
  if (text.trim() === '') return { kind: 'meta' };
  if (jsonDeeperThan(text)) return { kind: 'bad', reason: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` };
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (e) {
    return { kind: 'bad', reason: jsonSyntaxReason(e) };
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return { kind: 'bad', reason: 'not a JSON object' };
  const event = o as Record<string, unknown>;
  if (typeof event.event_type !== 'string') return { kind: 'bad', reason: 'no event_type' };
  return { kind: 'event', event };
}
