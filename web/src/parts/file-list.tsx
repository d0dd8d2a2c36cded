// Files taken out of a session or message: name, part, declared and real type with a mismatch badge, size,
// hashes (sha256 pivots), and for analysts the download (a plain link to the API, an attachment).
import type { JSX } from 'preact';
import { typeMismatch } from '../../../src/core/file-type.js';
import { href, me } from '../api.js';
import { pivotLink } from '../pivots.js';

export type FileRow = Record<string, unknown>;

const s = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export function mismatchOf(f: FileRow): boolean {
  return typeMismatch(s(f.declared_type) ?? '', s(f.filename), s(f.mime_type));
}

export function FileList({ files }: { files: FileRow[] }): JSX.Element {
  const analyst = me.value !== null && me.value.role !== 'viewer';
  if (files.length === 0) return <p class="muted">No files.</p>;
  return (
    <table class="files" data-testid="files" data-nav>
      <thead><tr><th>file</th><th>part</th><th>declared</th><th>real type</th><th>size</th><th>hashes</th>{analyst && <th />}</tr></thead>
      <tbody>
        {files.map((f, i) => {
          const sha = s(f.sha256);
          const bad = mismatchOf(f);
          return (
            <tr key={i} class={bad ? 'mismatch' : ''} data-testid="file">
              <td>{s(f.filename) ?? <span class="null">(no name)</span>}{bad && <span class="badge danger" data-testid="mismatch" title="the content is not what the name or label says">type mismatch</span>}</td>
              <td>{s(f.part_path) ?? ''}</td>
              <td>{s(f.declared_type) ?? ''}</td>
              <td>{s(f.mime_type) ?? ''}</td>
              <td class="num">{typeof f.size === 'number' ? f.size.toLocaleString('en') : ''}{typeof f.missing_bytes === 'number' && f.missing_bytes > 0 ? ` (${f.missing_bytes} missing)` : ''}</td>
              <td class="hashes">
                {sha !== null && <div>sha256 <a href={pivotLink('sha256', sha)} data-testid="sha256">{sha}</a></div>}
                {s(f.md5) !== null && <div>md5 <span>{s(f.md5)}</span></div>}
              </td>
              {analyst && <td>{sha !== null && <a class="button ghost" href={href(`/api/files/${sha}`)} download data-testid="download">download</a>}</td>}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
