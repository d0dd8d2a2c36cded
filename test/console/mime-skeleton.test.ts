// The MIME skeleton text of an SMTP record read back into the tree the console draws: nesting by indentation,
// a part's fields after its "--", unknown lines kept.
import { describe, expect, it } from 'vitest';
import { parseSkeleton } from '../../web/src/mime-skeleton.js';

const SKELETON = [
  'Content-type: multipart/mixed', 'Part: (message)', 'Num-parts: 2', '--',
  '    Content-type: multipart/alternative', '    Part: 1', '    Num-parts: 2', '    --',
  '        Content-type: text/plain', '        Part: 1.1', '        Size: 53', '        --',
  '        Content-type: image/png', '        Part: 1.2', '        Filename: logo.png', '        Size: 1604', '        Real-type: image/png',
  '        SHA-256: 5f29081f3c4393fc7d8aa1193ca47f4527b323925ae1970b4e215e94b99323e5', '        --',
  '    Content-type: text/csv', '    Part: 2', '    Filename: sales.csv', '    Size: 3260', '    Real-type: text/plain', '    --',
].join('\n');

describe('parseSkeleton', () => {
  it('nests parts by indentation and reads their fields', () => {
    const [root, ...rest] = parseSkeleton(SKELETON);
    expect(rest).toEqual([]);
    expect([root!.type, root!.part, root!.children.map((c) => c.part)]).toEqual(['multipart/mixed', '(message)', ['1', '2']]);
    const alt = root!.children[0]!;
    expect(alt.children.map((c) => [c.type, c.part, c.filename, c.size, c.realType])).toEqual([
      ['text/plain', '1.1', null, 53, null],
      ['image/png', '1.2', 'logo.png', 1604, 'image/png'],
    ]);
    expect(alt.children[1]!.sha256).toBe('5f29081f3c4393fc7d8aa1193ca47f4527b323925ae1970b4e215e94b99323e5');
    expect([root!.children[1]!.filename, root!.children[1]!.children]).toEqual(['sales.csv', []]);
  });

  it('keeps lines it does not know as fields, and an empty skeleton is no part', () => {
    expect(parseSkeleton('')).toEqual([]);
    const [p] = parseSkeleton('Content-type: text/plain\nX-Odd: yes\n--');
    expect(p!.fields).toEqual([['Content-type', 'text/plain'], ['X-Odd', 'yes']]);
  });
});
