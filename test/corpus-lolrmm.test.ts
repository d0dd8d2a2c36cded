// The LOLRMM catalogue of the corpus (content/lolrmm/yaml, magicsword-io/LOLRMM, Apache-2.0) through loadLolrmm:
// every file used or rejected, every domain entry a pattern, a duplicate or a rejection, counted against an
// independent whole-file parse; names taken from the GoToMyPC, AnyDesk and TeamViewer files match their tool;
// the SNIs and certificate SANs of test/fixtures/remote-access/sni.pcap (openssl, make-sni.sh) through the TLS
// analyzer raise remote-access findings.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadLolrmm, remoteAccessFindings, sanHostNames } from '../src/inspect/names/remote-access.js';
import { corpusDir, ROOT } from './helpers/run.js';
import { tlsRecords } from './helpers/tls.js';

const corpus = corpusDir();
const dir = corpus === null ? '' : join(corpus, 'content/lolrmm/yaml');

/** The files as the lead's CLI hands them: name and text. */
function files(): { name: string; text: string }[] {
  return readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
}

/** Domain entries of a file, from the whole text parsed (not the loader's top-level blocks). */
function entriesOf(text: string): unknown[] {
  const doc = parse(text) as { Artifacts?: { Network?: { Domains?: unknown[] }[] } } | null;
  return (doc?.Artifacts?.Network ?? []).flatMap((n) => n.Domains ?? []);
}

describe.skipIf(corpus === null)('LOLRMM corpus', () => {
  it('loads: every file used or rejected, every entry accounted for', () => {
    const all = files();
    // MANIFEST.md: 319 tools, one file each (two of them .yml)
    expect(all.length).toBe(319);
    const { catalogue, rejected, duplicates } = loadLolrmm(all);
    const fileRejections = rejected.filter((r) => r.entry === undefined);
    const entryRejections = rejected.filter((r) => r.entry !== undefined);
    // each file once: used, or rejected as a whole
    expect(new Set(fileRejections.map((r) => r.file)).size).toBe(fileRejections.length);
    expect(catalogue.filesUsed + fileRejections.length).toBe(all.length);

    const entries = all.map((f) => ({ file: f.name, list: entriesOf(f.text) }));
    const noDomains = entries.filter((e) => e.list.length === 0).map((e) => e.file).sort();
    expect(fileRejections.filter((r) => r.reason === 'no Artifacts.Network[].Domains').map((r) => r.file).sort()).toEqual(noDomains);
    const flat = entries.flatMap((e) => e.list.map((d) => ({ file: e.file, d })));
    expect(catalogue.patterns + duplicates + entryRejections.length).toBe(flat.length);

    // the rejections by kind, counted from the entries themselves
    const count = (re: RegExp): number => flat.filter(({ d }) => typeof d === 'string' && re.test(d)).length;
    const reasons = (re: RegExp): number => entryRejections.filter((r) => re.test(r.reason)).length;
    expect(reasons(/^user-managed/)).toBe(count(/^user_managed$/));
    expect(reasons(/^a placeholder/)).toBe(count(/^</));
    expect(reasons(/^an IP address/)).toBe(count(/^\d+\.\d+\.\d+\.\d+$/));
    // the one malformed name: "*.-dms.zoho.com.cn" (a label that begins with a hyphen)
    expect(entryRejections.filter((r) => /hyphen/.test(r.reason)).map((r) => r.entry)).toEqual(['"*.-dms.zoho.com.cn"']);
    expect(entryRejections.length).toBe(count(/^user_managed$/) + count(/^</) + count(/^\d+\.\d+\.\d+\.\d+$/) + 1);
    // every file rejected as a whole has no domain entries or only rejected ones
    for (const r of fileRejections) {
      const e = entries.find((x) => x.file === r.file)!;
      expect(e.list.length === 0 || r.reason.startsWith('no usable domain'), r.file).toBe(true);
    }
  });

  it('names from the GoToMyPC, AnyDesk and TeamViewer files match their tool, high', () => {
    const { catalogue } = loadLolrmm(files());
    // each pattern of the three files, made into a name it stands for (a label for each wildcard)
    const names: [string, string][] = [];
    for (const [file, toolName] of [['gotomypc.yaml', 'GoToMyPC'], ['anydesk.yaml', 'AnyDesk'], ['teamviewer.yaml', 'TeamViewer']] as const) {
      for (const d of entriesOf(readFileSync(join(dir, file), 'utf8'))) {
        const name = String(d).replace(/:\d+$/, '').replace(/^\*\./, 'relay1.').replace(/\[a-f0-9\]\{8\}/, '0a1b2c3d');
        names.push([name, toolName]);
      }
    }
    expect(names.map((n) => n[0])).toEqual(expect.arrayContaining(['relay1.GoToMyPC.com', 'boot.net.anydesk.com', 'relay-0a1b2c3d.net.anydesk.com', 'relay1.teamviewer.com', 'router15.teamviewer.com']));
    for (const [name, toolName] of names) {
      for (const source of ['sni', 'dns', 'http_host'] as const) {
        const f = remoteAccessFindings(catalogue, name, source).filter((x) => x.note === `tool ${toolName}`);
        expect(f.map((x) => x.confidence), `${name} ${source}`).toEqual(['high']);
      }
    }
  });

  it('leaves unrelated names alone and keeps shared infrastructure low', () => {
    const { catalogue } = loadLolrmm(files());
    for (const n of ['www.google.com', 'example.com', 'www.example.org', 'mail.example.net', 'anydesk.com.example.org', 'cdn.jsdelivr.net']) {
      expect(remoteAccessFindings(catalogue, n, 'sni'), n).toEqual([]);
    }
    // names everybody uses that catalogue entries name: a match at most low
    for (const n of ['github.com', 'raw.githubusercontent.com', 'objects.githubusercontent.com', 'mail.zoho.com', 'www.sophos.com']) {
      const f = remoteAccessFindings(catalogue, n, 'sni');
      expect(f.length, n).toBeGreaterThan(0);
      for (const x of f) expect(x.confidence, `${n} ${x.note}`).toBe('low');
    }
    // a tenant of a shared platform: medium
    const tenant = remoteAccessFindings(catalogue, 'a1-backend-packages.s3.amazonaws.com', 'sni');
    expect(tenant.map((x) => [x.note, x.confidence])).toEqual([['tool Action1', 'medium']]);
    // any other bucket or host on the platform: nothing
    expect(remoteAccessFindings(catalogue, 'other-bucket.s3.amazonaws.com', 'sni')).toEqual([]);
  });

  it('raises findings for the GoToMyPC, AnyDesk and TeamViewer SNIs of a capture, and the SAN of its certificate', async () => {
    const { catalogue } = loadLolrmm(files());
    const { records } = await tlsRecords([join(ROOT, 'test/fixtures/remote-access/sni.pcap')]);
    // tshark -r sni.pcap reads these four server names, and *.teamviewer.com, www.example.org in each certificate
    expect(records.map((r) => r.sni)).toEqual(['www.gotomypc.com', 'relay-0a1b2c3d.net.anydesk.com', 'router15.teamviewer.com', 'www.example.org']);
    const bySni = records.map((r) => remoteAccessFindings(catalogue, r.sni!, 'sni').map((f) => [f.note, f.confidence, f.validations[0]]));
    expect(bySni).toEqual([
      [['tool GoToMyPC', 'high', 'lolrmm:*.gotomypc.com']],
      // the glob's suffix (net.anydesk.com) is the longer one: the exact-shape pattern wins over *.anydesk.com
      [['tool AnyDesk', 'high', 'lolrmm:relay-[a-f0-9]{8}.net.anydesk.com']],
      [['tool TeamViewer', 'high', 'lolrmm:router15.teamviewer.com']],
      [],
    ]);
    for (const r of records) {
      expect(r.san).toEqual(['DNS:*.teamviewer.com', 'DNS:www.example.org']);
      const bySan = sanHostNames(r.san).flatMap((n) => remoteAccessFindings(catalogue, n, 'san').map((f) => [f.subject, f.note, f.confidence]));
      // a SAN is one step lower than the pattern: a certificate may list unrelated names
      expect(bySan).toEqual([['*.teamviewer.com', 'tool TeamViewer', 'medium']]);
    }
  });
});
