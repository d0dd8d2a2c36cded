// The `findings` record: what content inspection found (src/inspect), one row per distinct value per place,
// validated and redacted: the value itself is never stored, only its mask and a keyed hash.
import { MAX_ID_BYTES, MAX_NAME_BYTES, list, own, text } from './bounds.js';
import { FILE_MAX_MESSAGE_ID_BYTES, FILE_MAX_PART_PATH_BYTES } from './files.js';
import { field, type RowOf } from './schema.js';
import { PROVENANCE_FIELDS } from './provenance.js';

/** A decode path: a base, a MIME path, a transfer encoding and at most MAX_DEPTH container entries with their names. */
export const FINDING_MAX_DECODE_PATH_BYTES = 4 * 1024;
/** A mask: at most a long token's length (a PEM block is masked to its type and last characters). */
export const FINDING_MAX_MASKED_BYTES = 1024;
/** The excerpt around the first occurrence: ~60 characters, each escaped at worst to \u00XX. */
export const FINDING_MAX_EXCERPT_BYTES = 1024;
/** A note: a user name, a tool's name, a JWT's alg, figures of a DNS tunnel. */
export const FINDING_MAX_NOTE_BYTES = 1024;
/** Checks and context words: a few of each. */
export const FINDING_MAX_TERMS = 32;

const CUT = 'finding_field_truncated';

export const FINDINGS = {
  name: 'findings',
  doc: 'One row per distinct value a content detector found in one place (a file or part, a stream direction, a name): validated, masked and keyed-hashed, never in clear.',
  timeField: 'ts',
  fields: [
    field('ts', 'timestamp', false, 'time of the content (the object complete, the stream\'s end, the record)'),
    field('uid', 'string', true, 'session uid (null for a finding over many sessions, such as a DNS tunnel\'s domain)', own(MAX_ID_BYTES)),
    field('community_id', 'string', true, 'Community ID of the session', own(MAX_ID_BYTES)),
    field('src_ip', 'string', true, 'session originator', own(MAX_NAME_BYTES)),
    field('src_port', 'int', true, 'originator port'),
    field('dst_ip', 'string', true, 'session responder', own(MAX_NAME_BYTES)),
    field('dst_port', 'int', true, 'responder port'),
    field('direction', 'string', true, 'the session against the home net: inbound | outbound | internal | external', own(MAX_NAME_BYTES)),
    field('side', 'string', true, 'who sent the content: client | server (null for names and sessions)', own(MAX_NAME_BYTES)),
    field('app_proto', 'string', true, 'protocol that delivered it', own(MAX_NAME_BYTES)),
    field('fuid', 'string', true, 'file id of the object it was found in (files table)', own(MAX_ID_BYTES)),
    field('message_id', 'string', true, 'Message-ID of the mail it was found in', text(FILE_MAX_MESSAGE_ID_BYTES, CUT)),
    field('part_path', 'string', true, 'MIME part of that mail, e.g. 1.2', own(FILE_MAX_PART_PATH_BYTES)),
    field('detector', 'string', false, 'payment_card, us_ssn, iban, aws_access_key, gitleaks:<rule>, credentials, remote_access, protocol_port_mismatch, dns_tunnel, encrypted_container, ...', own(MAX_NAME_BYTES)),
    field('category', 'string', false, 'financial | pii | secret | credential | remote_access | evasion | uninspectable', own(MAX_NAME_BYTES)),
    field('confidence', 'string', false, 'high | medium | low (each detector documents its rule)', own(MAX_NAME_BYTES)),
    field('count', 'int', false, 'occurrences of this value in this place'),
    field('distinct_count', 'int', false, 'distinct values of this detector in this place'),
    field('validations', 'string[]', false, 'checks the value passed, e.g. luhn, iin:visa, mod97, crc32', list(FINDING_MAX_TERMS, 2048, CUT, 128)),
    field('context_terms', 'string[]', false, 'context words found near it', list(FINDING_MAX_TERMS, 2048, CUT, 128)),
    field('test_value', 'bool', false, 'a published test value (4111 1111 1111 1111, AWS\'s EXAMPLE keys, ...)'),
    field('decode_path', 'string', true, 'how the content was reached, e.g. smtp › 1.2 › base64 › zip:report.xlsx › xl/sharedStrings.xml', text(FINDING_MAX_DECODE_PATH_BYTES, CUT)),
    field('offset', 'int', true, 'byte offset of the first occurrence in the decoded content'),
    field('masked', 'string', true, 'the value masked, e.g. 4111 **** **** 1111 (null for a summary row)', text(FINDING_MAX_MASKED_BYTES, CUT)),
    field('value_hmac', 'string', true, 'HMAC-SHA256 of the value under the store\'s key, hex: follows one value across flows and days without storing it', own(MAX_ID_BYTES)),
    field('excerpt_redacted', 'string', true, 'text around the first occurrence with every detected value masked', text(FINDING_MAX_EXCERPT_BYTES, CUT)),
    field('note', 'string', true, 'what a reader needs besides the mask, never secret: user alice, tool AnyDesk, alg HS256', text(FINDING_MAX_NOTE_BYTES, CUT)),
    field('capture_id', 'string', true, 'capture it came from (store ingest)', own(MAX_ID_BYTES)),
    ...PROVENANCE_FIELDS,
  ],
} as const;

export type FindingRecord = RowOf<typeof FINDINGS>;
