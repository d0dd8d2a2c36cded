// Module hooks that let plain Node (20.19 and up) run the fuzzer's TypeScript: a relative ".js" import from a
// .ts file resolves to the .ts beside it (the project's NodeNext style), and .ts sources are transpiled one
// file at a time by the project's own TypeScript (transpileModule: no type check, full TS syntax, so
// parameter properties work, which Node's own type stripping refuses). Output is cached by content under
// node_modules/.cache, so the runner and its worker thread load TypeScript only when a source changed.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CACHE = join(dirname(fileURLToPath(import.meta.url)), '../../node_modules/.cache/haystack-fuzz-ts');
/** bump when the options below change */
const VERSION = '1';

let ts = null;

async function transpile(path, text) {
  ts ??= (await import('typescript')).default;
  const out = ts.transpileModule(text, {
    fileName: path,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true, inlineSourceMap: true },
  });
  return out.outputText;
}

export async function resolve(specifier, context, next) {
  const parent = context.parentURL;
  if (parent !== undefined && parent.endsWith('.ts') && /^\.{1,2}\//.test(specifier) && specifier.endsWith('.js')) {
    const url = new URL(specifier.slice(0, -3) + '.ts', parent);
    if (existsSync(fileURLToPath(url))) return { url: url.href, format: 'module', shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const path = fileURLToPath(url);
  const text = await readFile(path, 'utf8');
  const key = createHash('sha256').update(VERSION).update('\0').update(path).update('\0').update(text).digest('hex').slice(0, 32);
  const cached = join(CACHE, `${key}.js`);
  let source;
  try {
    source = readFileSync(cached, 'utf8');
  } catch {
    source = await transpile(path, text);
    try {
      mkdirSync(CACHE, { recursive: true });
      // written aside and renamed: a reader never sees half a file
      const tmp = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}`;
      writeFileSync(tmp, source);
      renameSync(tmp, cached);
    } catch {
      // a read-only tree: no cache, same result
    }
  }
  return { format: 'module', source, shortCircuit: true };
}
