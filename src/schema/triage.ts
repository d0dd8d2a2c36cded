// The `triage` app table: alert acknowledgements, escalations and notes, with who and when (append-only).
import { MAX_ID_BYTES, MAX_NAME_BYTES, own, text } from './bounds.js';
import { field, type RowOf } from './schema.js';

/** An analyst's note: a paragraph or a few; longer text belongs in a ticket. */
export const TRIAGE_MAX_NOTE_BYTES = 16 * 1024;
export const TRIAGE_ACTIONS = ['ack', 'escalate', 'note'] as const;
export type TriageAction = (typeof TRIAGE_ACTIONS)[number];

export const TRIAGE = {
  name: 'triage',
  doc: 'One row per triage action on an alert; the alert is named by its key (store/app-triage.ts alertKey).',
  timeField: 'ts',
  sortKey: ['alert_key', 'ts'],
  fields: [
    field('id', 'string', false, 'row id (random, unique)', own(MAX_ID_BYTES)),
    field('ts', 'timestamp', false, 'when'),
    field('user', 'string', false, 'who', own(MAX_NAME_BYTES)),
    field('alert_key', 'string', false, 'the alert\'s identity: hash of its capture, time, signature and session', own(MAX_ID_BYTES)),
    field('action', 'string', false, 'ack | escalate | note', own(MAX_NAME_BYTES)),
    field('note', 'string', true, 'the note text', text(TRIAGE_MAX_NOTE_BYTES, 'triage_note_truncated')),
  ],
} as const;

export type TriageRecord = RowOf<typeof TRIAGE>;
