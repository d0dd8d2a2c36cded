// Signatures: a rules file made of real-looking Snort/Suricata rules (every keyword family Haystack reads:
// content modifiers, pcre, byte_test/jump/extract, flowbits, thresholds, HTTP/TLS/DNS/SMTP buffers,
// transforms, variables), mutated by token and by byte, parsed, and the rules that load run as a Detector
// over synthetic HTTP/SMTP and real TLS traffic. Also the vars and classification files. Contract: the
// parser never throws (syntax errors are listed with line and column), loading and matching never throw.
import fc from 'fast-check';
import { RuleSyntaxError } from '../../../src/detect/addresses.js';
import { Classifications } from '../../../src/detect/classification.js';
import { parseRules } from '../../../src/detect/rules-file.js';
import { parseVarsFile } from '../../../src/detect/vars-file.js';
import { analysis } from '../../../src/pipeline/analyzers.js';
import { detectHooks, guardedDetector } from '../../../src/pipeline/detect.js';
import { Engine } from '../../../src/pipeline/engine.js';
import { writePcap } from '../../../src/capture/pcap-writer.js';
import { fixture, frames, syntheticCaptures } from '../seeds.js';
import { bytesText, ContractError, mustNotReject, mustNotThrow, mutatedText, textBytes, userInput, type FuzzTarget } from '../target.js';

export const RULES = [
  'alert tcp $EXTERNAL_NET any -> $HTTP_SERVERS $HTTP_PORTS (msg:"PUT"; flow:to_server,established; content:"PUT "; depth:4; classtype:web-application-attack; sid:1000003; rev:1;)',
  'alert tcp any any -> any any (msg:"a"; content:"POST"; http_method; content:"/x.php"; nocase; http_uri; content:"|0d 0a|Host|3a|"; fast_pattern; sid:1;)',
  'alert http $EXTERNAL_NET any -> $HTTP_SERVERS any (msg:"b"; flow:established,to_server; http.method; content:"PUT"; http.request_body; content:"<title>.|3a 3a|[+] Defaced by "; nocase; sid:2013365; rev:3;)',
  String.raw`alert tcp any any -> any 25 (msg:"c"; content:"AUTH"; pcre:"/^AUTH\s+\S+\s*$/smiR"; byte_test:2,>,512,0,relative,little; byte_jump:4,0,relative,string,dec,post_offset 2; isdataat:!10,relative; dsize:>100; flowbits:set,a.b; flowbits:isset,x|y; flowbits:noalert; threshold:type limit, track by_src, count 1, seconds 60; detection_filter:track by_dst, count 5, seconds 10; flags:S+,12; sid:5;)`,
  'alert tcp any any -> any any (msg:"x"; content:"a"; byte_extract:2,0,len; content:"b"; within:len; sid:7;)',
  'alert tls any any -> any any (msg:"sni"; tls.sni; dotprefix; content:".example.com"; endswith; sid:11;)',
  'alert tls any any -> any any (msg:"ja3"; ja3.hash; content:"e7d705a3286e19ea42f587b344ee6865"; sid:12;)',
  'alert tls any any -> any any (requires: feature ja4, version >= 7.0.3; ja4.hash; content:"t13"; startswith; sid:13;)',
  'alert tls any any -> any any (msg:"cert"; tls.cert_subject; content:"CN="; tls.cert_issuer; content:"O="; sid:14;)',
  'alert dns any any -> any any (msg:"dns"; dns.query; content:"example"; nocase; sid:15;)',
  'alert smtp any any -> any any (msg:"mail"; email.subject; content:"invoice"; nocase; file.data; content:"MZ"; startswith; sid:16;)',
  'alert http any any -> any any (msg:"ua"; http.user_agent; content:"curl"; http.host; to_lowercase; content:"www."; http.stat_code; content:"200"; sid:17;)',
  'alert http any any -> any any (msg:"uri"; http.uri; url_decode; compress_whitespace; content:"/../"; pcre:"/\\/\\.\\.\\//U"; sid:18;)',
  'alert udp any any -> any 53 (msg:"udp"; content:"|01 00 00 01|"; offset:2; depth:4; sid:19;)',
  'alert icmp any any -> any any (msg:"icmp"; itype:8; icode:0; sid:20;)',
  'alert ip [10.0.0.0/8,!10.1.0.0/16] any <> $HOME_NET [80,443,8000:9000] (msg:"ip"; ip_proto:6; sameip; sid:21;)',
  'pass tcp any any -> any 80 (msg:"pass"; content:"GET"; sid:22;)',
  'alert tcp any any -> any any (msg:"b64"; content:"SGVsbG8"; base64_decode:bytes 20, offset 0, relative; base64_data; content:"Hello"; sid:23;)',
  'alert http any any -> any any (msg:"body"; file.data; content:"<html"; nocase; distance:0; http.header_names; content:"|0d 0a|Host"; sid:24;)',
  'alert tcp any any -> any any (msg:"neg"; content:!"foo"; content:"bar"; offset:1; depth:10; reference:url,example.com; metadata:created_at 2026_01_12; priority:2; gid:1; rev:2; sid:25;)',
  'alert tcp any any -> any any (msg:"pcre"; pcre:"/(?<x>a|b){2,5}c\\d+/i"; sid:26;)',
  'alert http any any -> any any (msg:"cookie"; http.cookie; content:"session="; http.content_len; byte_test:0,>,10,0,string,dec; sid:27;)',
  'alert tls any any -> any any (msg:"certs"; tls.certs; content:"|30 82|"; tls.cert_serial; content:"01"; sid:28;)',
];

const VARS = ['ipvar HOME_NET [10.0.0.0/8,192.168.0.0/16]', 'portvar HTTP_PORTS [80,8080,8888]', 'var EXTERNAL_NET !$HOME_NET'];
const YAML_VARS = 'vars:\n  address-groups:\n    HOME_NET: "[10.0.0.0/8]"\n    EXTERNAL_NET: "!$HOME_NET"\n  port-groups:\n    HTTP_PORTS: "80"\n';
const CLASSIFICATION = 'config classification: web-application-attack,Web Application Attack,1\nconfig classification: custom,Custom,4\n';

const VOCABULARY = [
  ';', ':', '(', ')', '"', '|', '!', ',', '[', ']', '$', '\\', '/', '->', '<>', ' ', 'any', '0', '-1', '65536', '4294967296', '99999999999999999999',
  'content:"x";', 'pcre:"/a+/";', 'nocase;', 'depth:0;', 'offset:-5;', 'distance:-1;', 'within:1;', 'byte_test:4,=,0,0;', 'byte_jump:4,0,relative;',
  'byte_extract:1,0,n;', 'isdataat:1;', 'dsize:<1;', 'flow:established;', 'flowbits:set,x;', 'threshold:type both, track by_dst, count 0, seconds 0;',
  'http.uri;', 'file.data;', 'tls.sni;', 'dns.query;', 'fast_pattern:0,1;', 'sid:1;', 'rev:0;', 'classtype:unknown;', '$HOME_NET', '$NOPE',
  '|zz|', '|0|', '"', '\\"', '\\;', 'alert', 'drop', 'tcp', 'http', 'tls', '10.0.0.0/33', '::1/129', '1:0', ':', '[80,', '!any', 'base64_data;', 'to_lowercase;',
];

interface Input {
  rules: string;
  vars: string;
  classification: string;
  /** which capture the detector runs over: synthetic SMTP, synthetic HTTP, the gen TLS handshakes */
  traffic: number;
}

async function runDetector(rules: ReturnType<typeof parseRules>['rules'], traffic: Uint8Array): Promise<void> {
  // as `alerts` makes it: rules whose pcre V8 cannot bound run under the time guard
  const detector = mustNotThrow('guardedDetector()', () => guardedDetector(rules, { emit: () => undefined, anomalies: { add: (...a) => engine.anomalies.add(...a) } }));
  const an = analysis({ detect: detectHooks(detector) }, () => engine);
  const engine: Engine = new Engine({ ...an.handlers }, an.options);
  async function* one(): AsyncGenerator<Uint8Array> {
    yield traffic;
  }
  await mustNotReject('Detector over traffic', async () => {
    await engine.inputFrom('traffic', one());
    engine.flows.flush();
  });
}

export function make(): FuzzTarget<Input> {
  const tls = frames(fixture('tls-clients.pcapng')).slice(0, 40).map((f, i) => ({ ts: 1_768_212_000_000_000 + i, data: f.data }));
  const [smtp, http] = syntheticCaptures();
  const traffic = [smtp!, http!, writePcap(tls, { linktype: 1 })];
  const ruleFile = fc.array(fc.constantFrom(...RULES), { minLength: 1, maxLength: 4 }).chain((rs) => fc.tuple(...rs.map((r) => mutatedText([r], VOCABULARY))))
    .map((rs) => rs.join('\n'));
  return {
    name: 'rules',
    about: 'parseRules + vars/classification files on mutated rules, then a Detector over HTTP/SMTP/TLS traffic: only listed syntax errors, no throw',
    arbitrary: fc.record({
      rules: ruleFile,
      vars: fc.oneof(mutatedText([VARS.join('\n'), YAML_VARS], VOCABULARY, 3), fc.constant('')),
      classification: fc.oneof(mutatedText([CLASSIFICATION], [',', ':', '-1', '999999999999', 'config classification:', '\n'], 3), fc.constant('')),
      traffic: fc.nat({ max: traffic.length - 1 }),
    }),
    check: async (input) => {
      const v = mustNotThrow('parseVarsFile()', () => parseVarsFile(input.vars, 'fuzz.conf'));
      for (const e of v.errors) if (!(e.line >= 1)) throw new ContractError(`vars error without a line: ${JSON.stringify(e)}`);
      const classifications = new Classifications();
      userInput('Classifications.load()', () => classifications.load(input.classification, 'classification.config'), (e) => e instanceof RuleSyntaxError);
      const set = mustNotThrow('parseRules()', () => parseRules(input.rules, 'fuzz.rules', { vars: v.vars, classifications }));
      for (const e of set.errors) {
        if (!(e.line >= 1) || (e.column !== null && !(e.column >= 1))) throw new ContractError(`rule error without a position: ${JSON.stringify(e)}`);
      }
      await runDetector(set.rules, traffic[input.traffic % traffic.length]!);
    },
    encode: (i) => ({ bin: textBytes(i.rules), extra: { vars: i.vars, classification: i.classification, traffic: i.traffic } }),
    decode: (e) => {
      const x = (e.extra ?? {}) as { vars?: string; classification?: string; traffic?: number };
      return { rules: bytesText(e.bin), vars: x.vars ?? '', classification: x.classification ?? '', traffic: x.traffic ?? 0 };
    },
  };
}
