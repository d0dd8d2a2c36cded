// Suricata's EVE JSON output, a line at a time: one object per line with its `event_type`.
import { jsonObjectLine } from './json-depth.js';

/** One line of an EVE file: the event, or why it cannot be read. */
export type EveLine = { kind: 'event'; event: Record<string, unknown> } | { kind: 'meta' } | { kind: 'bad'; reason: string };

export function eveLine(text: string): EveLine {
  const line = jsonObjectLine(text);
  if (line.kind !== 'object') return line;
  const event = line.o;
  if (typeof event.event_type !== 'string') return { kind: 'bad', reason: 'no event_type' };
  // a flow_id past 2^53 (Suricata's ids are 64-bit) was rounded by JSON.parse: its digits, from the text, instead,
  // so two flows stay two (eveToRecords takes a digit string whole)
  if (typeof event.flow_id === 'number' && !Number.isSafeInteger(event.flow_id)) {
    const digits = FLOW_ID_TEXT.exec(text)?.[1];
    if (digits !== undefined) event.flow_id = digits;
  }
  return { kind: 'event', event };
}

/** The top-level flow_id's digits as written (Suricata writes it near the start, once per event). */
const FLOW_ID_TEXT = /"flow_id"\s*:\s*(\d{1,20})\s*[,}]/;
