// The built-in remote-access catalogue (data/lolrmm.json) is the corpus's LOLRMM directory as loadLolrmm reads it,
// and names the essay's GoToMyPC without any option.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusDir } from '../../../test/helpers/run.js';
import { builtinRemoteAccess } from './builtin-remote-access.js';
import { loadLolrmm, remoteAccessFindings } from './remote-access.js';

describe('builtin remote-access catalogue', () => {
  it('names GoToMyPC, AnyDesk and TeamViewer hosts, and not an unrelated one', () => {
    const c = builtinRemoteAccess();
    expect(remoteAccessFindings(c, 'www.gotomypc.com', 'sni').map((f) => [f.note, f.confidence])).toEqual([['tool GoToMyPC', 'high']]);
    expect(remoteAccessFindings(c, 'relay-0a1b2c3d.net.anydesk.com', 'dns').map((f) => f.note)).toEqual(['tool AnyDesk']);
    expect(remoteAccessFindings(c, 'router15.teamviewer.com', 'http_host').map((f) => f.note)).toContain('tool TeamViewer');
    expect(remoteAccessFindings(c, 'www.example.com', 'sni')).toEqual([]);
  });

  const corpus = corpusDir();
  it.skipIf(corpus === null)('holds what the corpus directory gives (tools and patterns)', () => {
    const dir = join(corpus!, 'content/lolrmm/yaml');
    const l = loadLolrmm(readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') })));
    const c = builtinRemoteAccess();
    expect([c.tools, c.patterns, c.filesUsed]).toEqual([l.catalogue.tools, l.catalogue.patterns, l.catalogue.filesUsed]);
  });
});
