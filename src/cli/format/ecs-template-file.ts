// `haystack export <table> --format ecs|ecs-bulk --ecs-template FILE`: the index template of the table's data stream.
import { writeFileSync } from 'node:fs';
import { HaystackError } from '../../core/errors.js';
import { ecsDataStream } from '../../formats/ecs/ecs-documents.js';
import { ecsIndexTemplate, ecsTemplateName, type EcsTarget } from '../../formats/ecs/ecs-template.js';

const TARGETS: readonly EcsTarget[] = ['elastic', 'opensearch'];

/**
 * Writes the template when asked (validated before any export work) and returns what the export's summary line
 * adds: where the template is and the data stream to load into; '' when no template was asked for.
 */
export function writeEcsTemplate(format: string | undefined, table: string, file: string | undefined, target: string | undefined): string {
  if (file === undefined) {
    if (target !== undefined) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', '--ecs-target goes with --ecs-template FILE');
    return '';
  }
  if (format !== 'ecs' && format !== 'ecs-bulk') throw new HaystackError('HAYSTACK_BAD_ARGUMENT', '--ecs-template goes with --format ecs or ecs-bulk');
  const t = (target ?? 'elastic') as EcsTarget;
  if (!TARGETS.includes(t)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `--ecs-target must be one of ${TARGETS.join(', ')}`);
  try {
    writeFileSync(file, `${JSON.stringify(ecsIndexTemplate(table, t), null, 2)}\n`);
  } catch (e) {
    throw new HaystackError('HAYSTACK_IO', `${file}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file, cause: e });
  }
  return `; index template ${ecsTemplateName(table)} in ${file} (PUT _index_template/${ecsTemplateName(table)}), data stream ${ecsDataStream(table)}`;
}
