// `--format eve`: a table's records as Suricata EVE JSON lines (flow, alert, tls, http, smtp, fileinfo, dns, anomaly).
import type { ExternalFormat, ExternalWriter } from '../external.js';
import type { RecordSchema } from '../../schema/schema.js';
import { EVE_EVENT_TYPES, eveBuilder } from './eve-events.js';

/** Lines handed to the sink at once: one write per batch, not per line. */
const LINES_PER_WRITE = 4096;

/** Writes EVE lines: the table's event builder, chosen once; lines buffered and joined once per batch. */
class EveWriter implements ExternalWriter {
  private lines: string[] = [];

  constructor(
    private readonly build: (r: Record<string, unknown>) => Record<string, unknown>,
    private readonly write: (text: string) => void,
  ) {}

  row(r: Record<string, unknown>): void {
    this.lines.push(JSON.stringify(this.build(r)));
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
    const build = eveBuilder(schema.name);
    if (build === undefined) throw new Error(`eve: no event type for ${schema.name} records`);
    return new EveWriter(build, write);
  },
};
