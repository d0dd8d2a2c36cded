// Which runs bound V8's old-generation growth (issue 19, memory flat): the packet verbs, unless node was given its own.
import { describe, expect, it } from 'vitest';
import { COMMANDS } from './main.js';
import { HEAP_GROWING_PERCENT, heapGrowthFlag, PACKET_VERBS } from './heap-growth.js';

describe('heapGrowthFlag', () => {
  it('sets the growth for the verbs that read captures, and for no other', () => {
    for (const v of ['sessions', 'tls', 'http', 'dns', 'inspect', 'streams', 'ingest', 'sensor']) {
      expect(heapGrowthFlag(v, [], undefined)).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    }
    for (const v of ['sql', 'export', 'serve', 'import', 'logs', 'users', 'nosuchverb']) expect(heapGrowthFlag(v, [], undefined)).toBeNull();
    // every packet verb is a verb of the CLI (a renamed verb would silently lose the bound)
    for (const v of PACKET_VERBS) expect(COMMANDS.has(v)).toBe(true);
  });

  it("leaves node's own --heap-growing-percent alone, from its options or NODE_OPTIONS, in either spelling", () => {
    expect(heapGrowthFlag('dns', ['--max-old-space-size=1024', '--heap-growing-percent=50'], undefined)).toBeNull();
    expect(heapGrowthFlag('dns', ['--max-old-space-size=1024'], '--trace-gc --heap_growing_percent=30')).toBeNull();
    expect(heapGrowthFlag('dns', ['--max-old-space-size=1024'], '--heap-growing-percentage')).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  });
});
