// The ecosystem's log formats a table can be written in (Zeek TSV and JSON, Suricata EVE, ECS): the contract
// each format implements, and the list the CLI offers (`--format` of export and of the record verbs).
import type { RecordSchema } from '../schema/schema.js';
import { ECS_BULK_FORMAT, ECS_FORMAT } from './ecs/ecs-format.js';
import { EVE_FORMAT } from './eve/eve-format.js';
import { ZEEK_FORMAT, ZEEK_JSON_FORMAT } from './zeek/zeek-format.js';

/** Writes one table's records in an external format, as text handed to a sink. */
export interface ExternalWriter {
  /** one record of the writer's schema, typed as the schema says (timestamps are µs numbers, absent = null) */
  row(r: Record<string, unknown>): void;
  /** hands over what is buffered, and the format's trailer if it has one (Zeek's `#close`) */
  end(): void;
  /** the records written so far, where the format leaves some out (Zeek's ftp.log: the commands Zeek logs) */
  readonly rows?: number;
}

export interface ExternalWriterOptions {
  /** the time the output is made, µs since the epoch (Zeek's `#open`/`#close`); given by the caller: formats are pure */
  readonly now: number;
}

/** One external format. */
export interface ExternalFormat {
  /** its `--format` name */
  readonly name: string;
  /** one line for the usage text */
  readonly doc: string;
  /** whether this format writes the table's records (a Zeek log, an EVE event type, ECS documents) */
  supports(table: string): boolean;
  writer(schema: RecordSchema, write: (text: string) => void, opts: ExternalWriterOptions): ExternalWriter;
}

/** The external formats, in the order the usage text lists them. */
export const EXTERNAL_FORMATS: readonly ExternalFormat[] = [
  ZEEK_FORMAT,
  ZEEK_JSON_FORMAT,
  EVE_FORMAT,
  ECS_FORMAT,
  ECS_BULK_FORMAT,
];

/** An external format by its `--format` name. */
export function externalFormat(name: string): ExternalFormat | undefined {
  return EXTERNAL_FORMATS.find((f) => f.name === name);
}
