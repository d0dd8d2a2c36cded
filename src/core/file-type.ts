// Whether a file's label (declared type, file name) and its content disagree: an .exe named invoice.pdf. Pure,
// so that the pipeline marks it and the console shows the same badge.

/** Types that are the same thing under two names, or one inside the other (a .docx is a zip). */
const SAME: readonly (readonly string[])[] = [
  ['application/zip', 'application/x-zip-compressed', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    'application/java-archive', 'application/vnd.oasis.opendocument.text', 'application/epub+zip'],
  ['application/x-msdownload', 'application/x-msdos-program', 'application/x-dosexec', 'application/vnd.microsoft.portable-executable', 'application/exe'],
  ['image/jpeg', 'image/jpg', 'image/pjpeg'],
  ['application/x-cfb', 'application/msword', 'application/vnd.ms-excel', 'application/vnd.ms-powerpoint', 'application/vnd.ms-outlook'],
];
const BY_EXTENSION: Readonly<Record<string, string>> = {
  pdf: 'application/pdf', zip: 'application/zip', exe: 'application/x-msdownload', dll: 'application/x-msdownload',
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', doc: 'application/x-cfb', xls: 'application/x-cfb',
  docx: 'application/zip', xlsx: 'application/zip', pptx: 'application/zip', gz: 'application/gzip', rar: 'application/x-rar-compressed',
  '7z': 'application/x-7z-compressed', txt: 'text/plain', csv: 'text/plain',
};

/** The type a file name's extension promises (lower case, by the last dot), or null for none known. */
export function typeByExtension(filename: string | null): string | null {
  const ext = extensionOf(filename);
  return ext === null ? null : (BY_EXTENSION[ext] ?? null);
}

/** A file name's extension, lower case, without the dot; null without one. */
export function extensionOf(filename: string | null): string | null {
  return filename !== null && filename.includes('.') ? filename.slice(filename.lastIndexOf('.') + 1).toLowerCase() : null;
}

/** Two types name the same content (aliases, or a container and its documents: a .docx is a zip). */
export function sameType(a: string, b: string): boolean {
  return same(a, b);
}

function same(a: string, b: string): boolean {
  return a === b || SAME.some((g) => g.includes(a) && g.includes(b));
}

/**
 * Label and content disagree: the content has a recognised type that is neither the declared one nor what the
 * file name's extension promises (an .exe named invoice.pdf). Generic labels (octet-stream) promise nothing.
 */
export function typeMismatch(declared: string, filename: string | null, real: string | null): boolean {
  if (real === null || real === 'text/plain' || real === 'application/octet-stream') return false;
  const ext = filename !== null && filename.includes('.') ? filename.slice(filename.lastIndexOf('.') + 1).toLowerCase() : null;
  const byName = ext !== null ? BY_EXTENSION[ext] : undefined;
  if (byName !== undefined && !same(byName, real) && !(byName === 'text/plain' && real.startsWith('text/'))) return true;
  const generic = declared === '' || declared === 'application/octet-stream' || declared.startsWith('text/') || declared === 'application/unknown';
  return !generic && !same(declared, real) && byName === undefined;
}
