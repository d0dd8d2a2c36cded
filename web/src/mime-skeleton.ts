// The MIME skeleton of an SMTP record (one "Key: value" block per part, "--" after each block, children
// indented four spaces deeper) read back into a tree for the console to draw.

export interface MimePart {
  type: string;
  part: string;
  filename: string | null;
  size: number | null;
  realType: string | null;
  sha256: string | null;
  /** every header of the block as written */
  fields: [string, string][];
  children: MimePart[];
}

function fieldOf(p: MimePart, key: string): string | null {
  return p.fields.find(([k]) => k.toLowerCase() === key)?.[1] ?? null;
}

/** The tree of a skeleton text; unknown lines are kept as fields, so nothing is lost. */
export function parseSkeleton(text: string): MimePart[] {
  const roots: MimePart[] = [];
  const atDepth: MimePart[] = [];
  let current: { p: MimePart; depth: number } | null = null;
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    const depth = Math.floor((raw.length - raw.trimStart().length) / 4);
    const line = raw.trim();
    if (line === '--') {
      current = null;
      continue;
    }
    const colon = line.indexOf(':');
    const key = colon < 0 ? line : line.slice(0, colon).trim();
    const value = colon < 0 ? '' : line.slice(colon + 1).trim();
    if (current === null || current.depth !== depth) {
      const p: MimePart = { type: '', part: '', filename: null, size: null, realType: null, sha256: null, fields: [], children: [] };
      const parent = depth > 0 ? atDepth[Math.min(depth, atDepth.length) - 1] : undefined;
      (parent?.children ?? roots).push(p);
      atDepth.length = depth;
      atDepth[depth] = p;
      current = { p, depth };
    }
    current.p.fields.push([key, value]);
  }
  const fill = (p: MimePart): void => {
    p.type = fieldOf(p, 'content-type') ?? '';
    p.part = fieldOf(p, 'part') ?? '';
    p.filename = fieldOf(p, 'filename');
    const size = fieldOf(p, 'size');
    p.size = size !== null && /^\d+$/.test(size) ? Number(size) : null;
    p.realType = fieldOf(p, 'real-type');
    p.sha256 = fieldOf(p, 'sha-256');
    p.children.forEach(fill);
  };
  roots.forEach(fill);
  return roots;
}
