// Rule variables from snort.conf and suricata.yaml: only the variable definitions are read, malformed ones
// are reported by line.
import { describe, expect, it } from 'vitest';
import { parseVarsFile } from './vars-file.js';

describe('parseVarsFile', () => {
  it('reads snort.conf ipvar / portvar / var lines and skips the rest of the configuration', () => {
    const conf = [
      '# Step #1: Set the network variables',
      'ipvar HOME_NET [10.0.0.0/8,192.168.0.0/16]',
      'ipvar EXTERNAL_NET !$HOME_NET',
      'portvar HTTP_PORTS [80,8080,8888]',
      'var RULE_PATH ../rules',
      'preprocessor http_inspect: global iis_unicode_map unicode.map 1252',
      'config detection: search-method ac-split',
      'include $RULE_PATH/local.rules',
      'ipvar',
    ].join('\n');
    const r = parseVarsFile(conf, 'snort.conf');
    expect(r.vars).toEqual({ HOME_NET: '[10.0.0.0/8,192.168.0.0/16]', EXTERNAL_NET: '!$HOME_NET', HTTP_PORTS: '[80,8080,8888]', RULE_PATH: '../rules' });
    expect(r.errors).toEqual([{ file: 'snort.conf', line: 9, message: expect.stringContaining('ipvar|portvar|var NAME VALUE') }]);
  });

  it('reads suricata.yaml vars: address-groups and port-groups, nothing else', () => {
    const yaml = [
      '%YAML 1.1',
      '---',
      'vars:',
      '  # more specific is better for alert accuracy and performance',
      '  address-groups:',
      '    HOME_NET: "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]"',
      '    EXTERNAL_NET: "!$HOME_NET"',
      "    HTTP_SERVERS: '$HOME_NET'",
      '',
      '  port-groups:',
      '    HTTP_PORTS: "80"   # web',
      '    SHELLCODE_PORTS: "!80"',
      '    ORACLE_PORTS: 1521',
      'default-log-dir: /var/log/suricata/',
      'outputs:',
      '  - fast:',
      '      HOME_NET: "not a variable"',
    ].join('\n');
    const r = parseVarsFile(yaml, 'suricata.yaml');
    expect(r.vars).toEqual({
      HOME_NET: '[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]', EXTERNAL_NET: '!$HOME_NET', HTTP_SERVERS: '$HOME_NET',
      HTTP_PORTS: '80', SHELLCODE_PORTS: '!80', ORACLE_PORTS: '1521',
    });
    expect(r.errors).toEqual([]);
    const bad = parseVarsFile('vars:\n  address-groups:\n    HOME_NET:\n    - x\n', 'bad.yaml');
    expect(bad.errors.map((e) => e.line)).toEqual([3, 4]);
  });
});
