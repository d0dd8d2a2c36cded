// A network namespace with servers (HTTP, TLS, SMTP) joined to this one by a veth pair, and real clients.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Tools the sensor tests run; the names missing here (a test skips outside CI, fails in it). */
export function missingTools(): string[] {
  const need = ['ip', 'dumpcap', 'tshark', 'python3', 'curl', 'openssl', 'setpriv'];
  const miss = need.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
  if (process.getuid?.() !== 0) miss.push('(root)');
  return miss;
}

const execFileP = promisify(execFile);

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** A minimal SMTP server (one thread per connection): enough for smtplib's EHLO, MAIL, RCPT, DATA, QUIT. */
const SMTP_SERVER = `
import socketserver, sys
class H(socketserver.StreamRequestHandler):
    def handle(self):
        w = lambda s: self.wfile.write((s + "\\r\\n").encode())
        w("220 test ESMTP")
        data = False
        for line in self.rfile:
            l = line.decode("latin-1").rstrip("\\r\\n")
            if data:
                if l == ".":
                    data = False
                    w("250 queued")
                continue
            v = l[:4].upper()
            if v in ("EHLO", "HELO"): w("250 test")
            elif v == "DATA":
                data = True
                w("354 go on")
            elif v == "QUIT":
                w("221 bye")
                return
            else: w("250 ok")
class S(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
S((sys.argv[1], int(sys.argv[2])), H).serve_forever()
`;

export interface TestNet {
  ns: string;
  /** our side of the veth (the sensor captures here) */
  iface: string;
  /** the servers' address (in the namespace) */
  server: string;
  /** the client address (ours) */
  client: string;
  stop(): void;
}

/** Ports of the servers in the namespace. */
export const PORTS = { http: 8080, tls: 4433, smtp: 2525 };

/**
 * A namespace with unique names for this run (`hs-<hex>`), a veth with IPv6 off (no router solicitations or
 * MLD in the captures), an HTTP, an openssl s_server (-www) and an SMTP server in it.
 */
export async function startTestNet(dir: string): Promise<TestNet> {
  const id = randomBytes(3).toString('hex');
  const ns = `hs-${id}`;
  const iface = `hs${id}a`;
  const peer = `hs${id}b`;
  const net = `10.${200 + (randomBytes(1)[0]! % 50)}.${randomBytes(1)[0]! % 250}`;
  const client = `${net}.1`;
  const server = `${net}.2`;
  const kids: ChildProcess[] = [];
  const stop = (): void => {
    for (const k of kids) if (k.exitCode === null) k.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', ns]);
    spawnSync('ip', ['link', 'del', iface]);
  };
  try {
    sh('ip', ['netns', 'add', ns]);
    sh('ip', ['link', 'add', iface, 'type', 'veth', 'peer', 'name', peer, 'netns', ns]);
    sh('sysctl', ['-q', '-w', `net.ipv6.conf.${iface}.disable_ipv6=1`]);
    sh('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', `net.ipv6.conf.${peer}.disable_ipv6=1`]);
    sh('ip', ['addr', 'add', `${client}/30`, 'dev', iface]);
    sh('ip', ['link', 'set', iface, 'up']);
    sh('ip', ['-n', ns, 'addr', 'add', `${server}/30`, 'dev', peer]);
    sh('ip', ['-n', ns, 'link', 'set', peer, 'up']);
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.html'), '<html><body>haystack sensor test</body></html>\n');
    sh('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=haystack.test', '-days', '2']);
    writeFileSync(join(dir, 'smtpd.py'), SMTP_SERVER);
    const inNs = (cmd: string[]): void => {
      const k = spawn('ip', ['netns', 'exec', ns, ...cmd], { stdio: 'ignore', cwd: dir });
      kids.push(k);
    };
    inNs(['python3', '-m', 'http.server', String(PORTS.http), '--bind', server, '--directory', dir]);
    inNs(['openssl', 's_server', '-accept', `${server}:${PORTS.tls}`, '-cert', join(dir, 'cert.pem'), '-key', join(dir, 'key.pem'), '-www', '-quiet']);
    inNs(['python3', join(dir, 'smtpd.py'), server, String(PORTS.smtp)]);
    // ready when each port answers
    for (const port of Object.values(PORTS)) {
      for (let i = 0; ; i++) {
        if (spawnSync('python3', ['-c', `import socket; socket.create_connection(("${server}", ${port}), 1).close()`]).status === 0) break;
        if (i > 100) throw new Error(`server on port ${port} did not start`);
        await sleep(50);
      }
    }
  } catch (e) {
    stop();
    throw e;
  }
  return { ns, iface, server, client, stop };
}

/** A client connection: the tool, and the local port it used (null: chosen by the kernel). */
export interface ClientConn {
  tool: 'curl-http' | 'curl-https' | 's_client' | 'smtplib';
  port: number | null;
  dport: number;
  ok: boolean;
  /** why it failed: the exit status or signal and the start of stderr ('' when ok) */
  why: string;
}

/** What a failed client said. */
function why(r: { status: number | null; signal: NodeJS.Signals | null; stderr: Buffer | string | null; error?: Error }): string {
  if (r.status === 0) return '';
  return `exit ${r.status ?? r.signal ?? r.error?.message}: ${String(r.stderr ?? '').trim().slice(0, 300)}`;
}

/** One real client connection to the namespace's servers (`k` picks the kind, `port` the local port); 15 s each: CI runs it beside a two-shard cluster and another test file. */
export function connect(net: TestNet, k: number, port: number): ClientConn {
  const kind = k % 4;
  if (kind === 0) {
    const r = spawnSync('curl', ['-s', '-o', '/dev/null', '--max-time', '15', '--local-port', String(port), `http://${net.server}:${PORTS.http}/index.html`]);
    return { tool: 'curl-http', port, dport: PORTS.http, ok: r.status === 0, why: why(r) };
  }
  if (kind === 1) {
    const r = spawnSync('curl', ['-s', '-k', '-o', '/dev/null', '--max-time', '15', '--local-port', String(port), `https://${net.server}:${PORTS.tls}/`]);
    return { tool: 'curl-https', port, dport: PORTS.tls, ok: r.status === 0, why: why(r) };
  }
  if (kind === 2) {
    const r = spawnSync('openssl', ['s_client', '-connect', `${net.server}:${PORTS.tls}`, '-servername', 'haystack.test', '-quiet'], {
      input: 'GET / HTTP/1.0\r\n\r\n',
      timeout: 15000,
    });
    return { tool: 's_client', port: null, dport: PORTS.tls, ok: r.status === 0, why: why(r) };
  }
  const py = `import smtplib
s = smtplib.SMTP("${net.server}", ${PORTS.smtp}, local_hostname="client.test", source_address=("${net.client}", ${port}), timeout=15)
s.sendmail("alice@example.org", ["bob@example.org"], "Subject: sensor test ${k}\\r\\n\\r\\nhello ${k}\\r\\n")
s.quit()`;
  const r = spawnSync('python3', ['-c', py], { timeout: 16000 });
  return { tool: 'smtplib', port, dport: PORTS.smtp, ok: r.status === 0, why: why(r) };
}

/** TCP conversations of a capture as tshark counts them ("a:p b:q", the lower endpoint first), with a count each. */
export async function tsharkConversations(file: string): Promise<Map<string, number>> {
  // a file cut in a packet: tshark reads up to the cut, says so and exits 2; its table is still printed
  const out = await execFileP('tshark', ['-r', file, '-q', '-z', 'conv,tcp']).then((r) => r.stdout, (e: { code?: number; stdout?: string }) => {
    if (e.code === 2 && typeof e.stdout === 'string') return e.stdout;
    throw e;
  });
  const convs = new Map<string, number>();
  for (const line of out.split('\n')) {
    const m = /^(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s/.exec(line);
    if (m === null) continue;
    const key = conversationKey(m[1]!, Number(m[2]), m[3]!, Number(m[4]));
    convs.set(key, (convs.get(key) ?? 0) + 1);
  }
  return convs;
}

/** A TCP conversation's key, its endpoints ordered. */
export function conversationKey(a: string, p: number, b: string, q: number): string {
  const x = `${a}:${p}`;
  const y = `${b}:${q}`;
  return x < y ? `${x} ${y}` : `${y} ${x}`;
}

/** Packets of a capture as tshark reads them. */
export function tsharkPackets(file: string): number {
  return sh('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.number']).split('\n').filter((l) => l.trim() !== '').length;
}
