// The LOLRMM loader and the host-name catalogue on small catalogues written here: entry normalisation and
// rejection, match semantics (exact, wildcard strictly below, globs), the confidence tiers, and the index
// against a linear scan over every pattern (fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostPattern } from './host-pattern.js';
import { loadLolrmm, remoteAccessFindings, sanHostNames } from './remote-access.js';
import { patternInfra } from './shared-infra.js';

const tool = (name: string, domains: string[], category = 'RMM'): string =>
  `Name: ${name}\nCategory: ${category}\nDescription: |\n  a tool\nArtifacts:\n  Network:\n    - Description: N/A\n      Domains:\n${domains.map((d) => `        - '${d}'\n`).join('')}      Ports: []\nReferences:\n  - https://example.invalid/\n`;

describe('hostPattern', () => {
  it('normalises case, trailing dot, scheme, path and port', () => {
    const cases: [string, string, string[]][] = [
      ['*.GoToMyPC.com', '*.gotomypc.com', []],
      ['boot.net.anydesk.com.', 'boot.net.anydesk.com', ['trailing dot dropped']],
      ['https://portal.example.com/login?x=1', 'portal.example.com', ['scheme dropped', 'path dropped']],
      ['relay-[a-f0-9]{8}.net.anydesk.com:443', 'relay-[a-f0-9]{8}.net.anydesk.com', ['port dropped']],
      ['upload_data.qq.com', 'upload_data.qq.com', []],
    ];
    for (const [raw, text, changes] of cases) {
      const r = hostPattern(raw);
      expect(r.ok, raw).toBe(true);
      if (r.ok) expect([r.pattern.text, r.pattern.changes]).toEqual([text, changes]);
    }
  });

  it('rejects what is not a host name, each with its reason', () => {
    const cases: [unknown, RegExp][] = [
      ['user_managed', /user-managed/],
      ['<operator-configured GLPI server>', /placeholder/],
      ['136.243.104.235', /IP address/],
      ['[2001:db8::1]:443', /IP address/],
      ['2001:db8::1', /IP address/],
      ['*.-dms.zoho.com.cn', /hyphen/],
      ['*.com', /public suffix/],
      ['*.co.uk', /public suffix/],
      ['localhost', /single label/],
      ['a..b.com', /empty label/],
      ['bad!name.com', /characters/],
      ['example.*', /top-level/],
      [`${'a'.repeat(64)}.com`, /longer than 63/],
      [42, /not a string/],
      ['', /empty/],
    ];
    for (const [raw, reason] of cases) {
      const r = hostPattern(raw);
      expect(r.ok, String(raw)).toBe(false);
      if (!r.ok) expect(r.reason, String(raw)).toMatch(reason);
    }
  });

  it('classifies whose infrastructure a pattern names', () => {
    const infra = (s: string): string => {
      const r = hostPattern(s);
      if (!r.ok) throw new Error(r.reason);
      return patternInfra(r.pattern);
    };
    expect(['*.anydesk.com', 'router15.teamviewer.com', 'agents*-cloud.acronis.com'].map(infra)).toEqual(['tool', 'tool', 'tool']);
    // tenants: a bucket (PSL private section), an app, a product host on a big provider
    expect(['a1-backend-packages.s3.amazonaws.com', 'gorelo-rmm.azurewebsites.net', 'remotedesktop.google.com', 'googl-6c11f.firebaseapp.com'].map(infra))
      .toEqual(['tenant', 'tenant', 'tenant', 'tenant']);
    // shared: providers themselves, wildcards over them, code hosts, broad vendors
    expect(['*.amazonaws.com', '*.cloudfront.net', '*.azure.com', 'github.com', 'raw.githubusercontent.com', '*.s3.amazonaws.com', '*.zoho.com', 'google.com'].map(infra))
      .toEqual(['shared', 'shared', 'shared', 'shared', 'shared', 'shared', 'shared', 'shared']);
  });
});

describe('loadLolrmm', () => {
  const files = [
    { name: 'anydesk.yaml', text: tool('AnyDesk', ['boot.net.anydesk.com', '*.anydesk.com', 'relay-[a-f0-9]{8}.net.anydesk.com:443']) },
    { name: 'teamviewer.yaml', text: tool('TeamViewer', ['*.teamviewer.com', 'router15.teamviewer.com', '*.TeamViewer.com']) },
    { name: 'managed.yaml', text: tool('Managed', ['user_managed', '<on-prem host>']) },
    { name: 'nonet.yaml', text: 'Name: NoNet\nCategory: RMM\nArtifacts:\n  Disk: []\n' },
    { name: 'broken.yaml', text: 'Name: [unclosed\n' },
    { name: 'noname.yaml', text: 'Category: RMM\n' },
    { name: 'cloudy.yaml', text: tool('Cloudy', ['*.amazonaws.com', 'cloudy-bucket.s3.amazonaws.com', 'github.com', 'rescue-list.*.cloudy-gw.com']) },
    { name: 'flow.yaml', text: '{Name: Flow, Category: RAT, Artifacts: {Network: [{Domains: [flow.example.net]}]}}' },
  ];

  it('uses or rejects every file and every entry, with reasons', () => {
    const { catalogue, rejected, duplicates } = loadLolrmm(files);
    expect(catalogue.filesUsed).toBe(4); // anydesk, teamviewer, cloudy, flow
    const fileReasons = Object.fromEntries(rejected.filter((r) => r.entry === undefined).map((r) => [r.file, r.reason]));
    expect(fileReasons).toEqual({
      'broken.yaml': expect.stringMatching(/^not YAML/) as unknown,
      'managed.yaml': 'no usable domain (2 entries rejected)',
      'noname.yaml': 'no Name',
      'nonet.yaml': 'no Artifacts.Network[].Domains',
    });
    expect(rejected.filter((r) => r.entry !== undefined).map((r) => [r.file, r.entry])).toEqual([
      ['managed.yaml', '"user_managed"'],
      ['managed.yaml', '"<on-prem host>"'],
    ]);
    expect(duplicates).toBe(1); // *.TeamViewer.com is *.teamviewer.com
    expect(catalogue.tools).toBe(4);
    expect(catalogue.patterns).toBe(3 + 2 + 4 + 1);
  });

  it('matches exact names, names strictly below a wildcard, and globs; case and trailing dot ignored', () => {
    const { catalogue } = loadLolrmm(files);
    const tools = (n: string): string[] => catalogue.match(n).map((m) => `${m.tool} ${m.pattern}`);
    expect(tools('BOOT.net.AnyDesk.com.')).toEqual(['AnyDesk boot.net.anydesk.com', 'AnyDesk *.anydesk.com']);
    // longest suffix first: the glob's fixed part is net.anydesk.com
    expect(tools('relay-0123abcd.net.anydesk.com')).toEqual(['AnyDesk relay-[a-f0-9]{8}.net.anydesk.com', 'AnyDesk *.anydesk.com']);
    expect(tools('relay-0123abcz.net.anydesk.com')).toEqual(['AnyDesk *.anydesk.com']);
    expect(tools('anydesk.com')).toEqual([]); // *.d is strictly below d
    expect(tools('a.b.c.teamviewer.com')).toEqual(['TeamViewer *.teamviewer.com']);
    expect(tools('rescue-list.eu.cloudy-gw.com')).toEqual(['Cloudy rescue-list.*.cloudy-gw.com']);
    expect(tools('rescue-list.a.b.cloudy-gw.com')).toEqual([]); // a later * is one label
    expect(tools('flow.example.net')).toEqual(['Flow flow.example.net']);
    for (const n of ['www.google.com', 'example.com', 'anydesk.com.evil.example', 'xanydesk.com', '', '.', 'com']) expect(tools(n), n).toEqual([]);
  });

  it('gives one finding per tool, its best pattern; confidence by infrastructure, one step lower from a SAN', () => {
    const { catalogue } = loadLolrmm(files);
    const f = remoteAccessFindings(catalogue, 'router15.teamviewer.com', 'sni');
    expect(f).toEqual([{
      detector: 'remote_access', category: 'remote_access', confidence: 'high', note: 'tool TeamViewer', subject: 'router15.teamviewer.com',
      validations: ['lolrmm:router15.teamviewer.com', 'match:exact', 'infra:tool', 'source:sni'], count: 1, distinctCount: null,
    }]);
    expect(remoteAccessFindings(catalogue, 'router15.teamviewer.com', 'san')[0]!.confidence).toBe('medium');
    expect(remoteAccessFindings(catalogue, 'cloudy-bucket.s3.amazonaws.com', 'dns').map((x) => [x.confidence, x.validations[0]]))
      .toEqual([['medium', 'lolrmm:cloudy-bucket.s3.amazonaws.com']]);
    expect(remoteAccessFindings(catalogue, 'ec2-1-2-3-4.compute.amazonaws.com', 'http_host').map((x) => [x.confidence, x.validations[0]]))
      .toEqual([['low', 'lolrmm:*.amazonaws.com']]);
    expect(remoteAccessFindings(catalogue, 'github.com', 'sni').map((x) => x.confidence)).toEqual(['low']);
    expect(remoteAccessFindings(catalogue, 'www.example.org', 'sni')).toEqual([]);
  });

  it('does not depend on the order the files were read', () => {
    const a = loadLolrmm(files);
    const b = loadLolrmm([...files].reverse());
    for (const n of ['relay-0123abcd.net.anydesk.com', 'x.teamviewer.com', 'cloudy-bucket.s3.amazonaws.com']) expect(b.catalogue.match(n)).toEqual(a.catalogue.match(n));
    expect(b.rejected).toEqual(a.rejected);
  });
});

describe('sanHostNames', () => {
  it('keeps the DNS names of a san list as Node renders it', () => {
    expect(sanHostNames(['DNS:*.teamviewer.com', 'IP Address:192.0.2.1', 'DNS:"odd,name.example"', 'email:a@b.example', 'DNS:', 'DNS:"broken'])).toEqual(['*.teamviewer.com', 'odd,name.example']);
    expect(sanHostNames(null)).toEqual([]);
  });
});

/** The matching rules, written as a scan over every pattern (the reference the index must agree with). */
function naive(patterns: string[], name: string): string[] {
  const host = name.toLowerCase().replace(/\.$/, '');
  const out: string[] = [];
  for (const p of patterns) {
    if (p.startsWith('*.')) {
      if (host.endsWith(p.slice(1)) && host.length > p.length - 1) out.push(p);
    } else if (host === p) out.push(p);
  }
  return out.sort();
}

describe('the index against a scan', () => {
  it('finds exactly the patterns a scan over all of them finds', () => {
    const label = fc.constantFrom('a', 'b', 'cd', 'x-1', 'com', 'net');
    const domain = fc.array(label, { minLength: 2, maxLength: 5 }).map((l) => l.join('.'));
    const pattern = fc.tuple(fc.boolean(), domain).map(([w, d]) => (w ? `*.${d}` : d)).filter((p) => hostPattern(p).ok);
    fc.assert(fc.property(fc.uniqueArray(pattern, { minLength: 1, maxLength: 30 }), fc.array(domain, { minLength: 1, maxLength: 20 }), fc.boolean(), (patterns, names, upper) => {
      const { catalogue } = loadLolrmm([{ name: 't.yaml', text: tool('T', patterns) }]);
      for (const n of names) {
        const q = upper ? `${n.toUpperCase()}.` : n;
        expect(catalogue.match(q).map((m) => m.pattern).sort()).toEqual(naive(patterns, q));
      }
    }), { numRuns: 200 });
  });
});
