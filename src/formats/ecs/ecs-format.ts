// `--format ecs` and `--format ecs-bulk`: a table's records as ECS NDJSON documents, the latter with the `_bulk`
// API's `{"create":{}}` action line before each (a data stream takes only create).
import type { ExternalFormat, ExternalWriter } from '../external.js';
import type { RecordSchema } from '../../schema/schema.js';
import { ecsBuilder, ecsDataStream, ecsKeep } from './ecs-documents.js';

/** Lines handed to the sink at once: one write per batch, not per line. */
const LINES_PER_WRITE = 4096;
const CREATE = '{"create":{}}';

/** Writes ECS documents (the rows of the table that make one), buffered and joined once per batch. */
class EcsWriter implements ExternalWriter {
  private lines: string[] = [];
  rows = 0;

  constructor(
    private readonly build: (r: Record<string, unknown>) => Record<string, unknown>,
    private readonly write: (text: string) => void,
    private readonly bulk: boolean,
    private readonly keep?: (r: Record<string, unknown>) => boolean,
  ) {}

  row(r: Record<string, unknown>): void {
    if (this.keep !== undefined && !this.keep(r)) return;
    this.rows++;
    if (this.bulk) this.lines.push(CREATE);
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

function ecsFormat(name: string, bulk: boolean, doc: string): ExternalFormat {
  return {
    name,
    doc,
    supports: (table) => ecsBuilder(table) !== undefined,
    writer(schema: RecordSchema, write: (text: string) => void): ExternalWriter {
      const build = ecsBuilder(schema.name);
      if (build === undefined) throw new Error(`${name}: no ECS documents for ${schema.name} records`);
      return new EcsWriter(build, write, bulk, ecsKeep(schema.name));
    },
  };
}

export const ECS_FORMAT = ecsFormat('ecs', false, `ECS NDJSON documents for Elastic/OpenSearch (data stream ${ecsDataStream('<table>')}; --ecs-template FILE writes its index template)`);
export const ECS_BULK_FORMAT = ecsFormat('ecs-bulk', true, 'ECS documents as a _bulk body: {"create":{}} before each (POST /<data stream>/_bulk)');
