// The MIME skeleton of a message as a nested list: type, part number, file name, size, real type (flagged when
// it is not what the part says it is) and the sha256 as a pivot.
import type { JSX } from 'preact';
import { typeMismatch } from '../../../src/core/file-type.js';
import { parseSkeleton, type MimePart } from '../mime-skeleton.js';
import { pivotLink } from '../pivots.js';

function Part({ p }: { p: MimePart }): JSX.Element {
  const bad = p.realType !== null && typeMismatch(p.type, p.filename, p.realType);
  return (
    <li data-testid="mime-part">
      <span class="mime-type">{p.type || '(no type)'}</span>
      {p.part !== '' && <span class="muted"> · part {p.part}</span>}
      {p.filename !== null && <span class="mime-name"> · {p.filename}</span>}
      {p.size !== null && <span class="muted"> · {p.size.toLocaleString('en')} bytes</span>}
      {p.realType !== null && p.realType !== p.type && <span class="muted"> · content {p.realType}</span>}
      {bad && <span class="badge danger">type mismatch</span>}
      {p.sha256 !== null && <div class="mime-hash"><a href={pivotLink('sha256', p.sha256)}>{p.sha256}</a></div>}
      {p.children.length > 0 && <ul>{p.children.map((c, i) => <Part key={i} p={c} />)}</ul>}
    </li>
  );
}

export function MimeTree({ skeleton }: { skeleton: string | null }): JSX.Element {
  if (skeleton === null || skeleton === '') return <p class="muted">No MIME structure (no message body was seen).</p>;
  const roots = parseSkeleton(skeleton);
  return <ul class="mime" data-testid="mime-tree">{roots.map((p, i) => <Part key={i} p={p} />)}</ul>;
}
