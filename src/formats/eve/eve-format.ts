// `--format eve`: a table's records as Suricata EVE JSON lines (flow, alert, tls, http, smtp, fileinfo, dns, anomaly).
import type { ExternalFormat, ExternalWriter } from '../external.js';
import type { RecordSchema } from '../../schema/schema.js';
import type { SessionRecord } from '../../schema/sessions.js';
import { EVE_EVENT_TYPES, eveBuilder, eveKeep } from './eve-events.js';
import { flowLine } from './eve-flow-line.js';
import { tlsLine } from './eve-tls-line.js';
import type { TlsRecord } from '../../schema/tls.js';

/** Lines handed to the sink at once: one write per batch, not per line. */
const LINES_PER_WRITE = 4096;

/** Writes EVE lines: the table's event builder, chosen once (and which rows make one); lines buffered and joined once per batch. */
class EveWriter implements ExternalWriter {
  private lines: string[] = [];
  rows = 0;

  constructor(
    private readonly line: (r: Record<string, unknown>) => string,
    private readonly write: (text: string) => void,
    private readonly keep?: (r: Record<string, unknown>) => boolean,
  ) {}

  row(r: Record<string, unknown>): void {
    if (this.keep !== undefined && !this.keep(r)) return;
    this.rows++;
    this.lines.push(this.line(r));
    if (this.lines.length >= LINES_PER_WRITE) this.flush();
  }

  end(): void {
    this.flush();
  }

  private flush(): void {
    if (this.lines.length === 0) return;
    this.write(`${this.lines.join('\n')}\n`);
    this.lines = [];
  }
}

export const EVE_FORMAT: ExternalFormat = {
  name: 'eve',
  doc: `Suricata EVE JSON lines (${Object.entries(EVE_EVENT_TYPES).map(([t, e]) => (t === e ? t : `${t} as ${e}`)).join(', ')})`,
  supports: (table) => eveBuilder(table) !== undefined,
  writer(schema: RecordSchema, write: (text: string) => void): ExternalWriter {
    // sessions and tls (most records) are written straight to text; the other events are built and stringified
    if (schema.name === 'sessions') return new EveWriter((r) => flowLine(r as unknown as SessionRecord), write);
    if (schema.name === 'tls') return new EveWriter((r) => tlsLine(r as unknown as TlsRecord), write);
    const build = eveBuilder(schema.name);
    if (build === undefined) throw new Error(`eve: no event type for ${schema.name} records`);
    return new EveWriter((r) => JSON.stringify(build(r)), write, eveKeep(schema.name));
  },
};
