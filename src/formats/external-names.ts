// The names of the ecosystem's formats (`--format zeek|zeek-json|eve|ecs|ecs-bulk`), apart from their writers:
// a verb printing its own formats checks a name without loading the thirty modules of the writers.

/** The external formats' `--format` names, in the order external.ts lists the formats (a test holds them equal). */
export const EXTERNAL_FORMAT_NAMES: readonly string[] = ['zeek', 'zeek-json', 'eve', 'ecs', 'ecs-bulk'];

/** Whether `name` is one of the external formats' names. */
export function isExternalFormatName(name: string): boolean {
  return EXTERNAL_FORMAT_NAMES.includes(name);
}
