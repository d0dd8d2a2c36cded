// The composable index template for a table's ECS documents: data stream `logs-haystack.<table>-*`, mappings from
// fields.csv's types for the fields we write (ecs-fields.ts), for Elastic or OpenSearch.
import { ecsDataset, ecsDataStream } from './ecs-documents.js';
import { ECS_FIELD_TYPES, ECS_LABELS, ECS_TABLE_FIELDS, ECS_VERSION } from './ecs-fields.js';

export type EcsTarget = 'elastic' | 'opensearch';

/** Longest keyword value indexed (Elastic's ECS templates use 1024; longer values are kept in _source only). */
const KEYWORD_IGNORE_ABOVE = 1024;
/** Above the built-in logs-*-* template (priority 100), so ours applies to its data streams. */
const TEMPLATE_PRIORITY = 200;

/** OpenSearch lacks these Elastic field types: the closest it has. */
const OPENSEARCH_TYPES: Readonly<Record<string, string>> = {
  wildcard: 'keyword', match_only_text: 'text', constant_keyword: 'keyword', flattened: 'flat_object',
};

type Mapping = Record<string, unknown>;

function leaf(type: string, target: EcsTarget): Mapping {
  const t = target === 'opensearch' ? OPENSEARCH_TYPES[type] ?? type : type;
  if (t === 'keyword') return { type: 'keyword', ignore_above: KEYWORD_IGNORE_ABOVE };
  if (t === 'scaled_float') return { type: 'scaled_float', scaling_factor: 1000 };
  return { type: t };
}

/** `properties` of a mapping for dotted field names (an object field gets its children under its own properties). */
function properties(fields: readonly string[], target: EcsTarget): Mapping {
  const root: Mapping = {};
  for (const name of [...fields].sort()) {
    const type = ECS_FIELD_TYPES[name];
    if (type === undefined) throw new Error(`ecs: ${name} has no type`);
    const parts = name.split('.');
    let props = root;
    for (const p of parts.slice(0, -1)) {
      const node = (props[p] ??= { properties: {} }) as Mapping;
      node.properties ??= {};
      props = node.properties as Mapping;
    }
    const last = parts[parts.length - 1]!;
    const existing = props[last] as Mapping | undefined;
    props[last] = type === 'object' || type === 'nested'
      ? { ...(type === 'nested' ? { type: 'nested' } : {}), properties: (existing?.properties as Mapping | undefined) ?? {} }
      : leaf(type, target);
  }
  // labels: an object of keyword values (ECS), the keys we write mapped explicitly
  if (fields.includes('labels')) {
    const labels = root.labels as Mapping;
    labels.properties = Object.fromEntries(ECS_LABELS.map((k) => [k, leaf('keyword', target)]));
  }
  return root;
}

/**
 * The index template (PUT _index_template/logs-haystack.<table>) for a table's documents: a data stream per table,
 * `@timestamp` its time field; fields not listed are kept in _source but not indexed (`dynamic: false`).
 */
export function ecsIndexTemplate(table: string, target: EcsTarget = 'elastic'): Record<string, unknown> {
  const fields = ECS_TABLE_FIELDS[table];
  if (fields === undefined) throw new Error(`ecs: no documents for ${table}`);
  return {
    index_patterns: [`logs-${ecsDataset(table)}-*`],
    data_stream: target === 'opensearch' ? { timestamp_field: { name: '@timestamp' } } : {},
    priority: TEMPLATE_PRIORITY,
    template: {
      mappings: { dynamic: false, properties: properties(fields, target) },
    },
    _meta: { description: `Haystack ${table} records as ECS ${ECS_VERSION} documents`, data_stream: ecsDataStream(table), ecs_version: ECS_VERSION },
  };
}

/** The template's name: the data stream's without the namespace. */
export const ecsTemplateName = (table: string): string => `logs-${ecsDataset(table)}`;
