// Real ClickHouse servers for the store tests and benchmarks: Debian's clickhouse-server started on 127.0.0.1
// with its own data directory and free ports, alone or as a two-shard cluster. Outside CI a missing server
// binary skips those tests; in CI it is a failure (.ci/run installs the package). Plain ESM so that
// bench/store.mjs can use it too; types in clickhouse-server.d.mts.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CANDIDATES = ['/usr/sbin/clickhouse-server', '/usr/bin/clickhouse-server', '/usr/bin/clickhouse'];

/** The server binary, or null when it is not installed (a failure in CI). */
export function clickhouseBinary() {
  const found = CANDIDATES.find((p) => existsSync(p)) ?? null;
  if (found === null && process.env.CI === 'true') {
    throw new Error('clickhouse-server is not installed: CI must run the ClickHouse store tests (.ci/run installs it)');
  }
  return found;
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

function config(dir, p, cluster) {
  const remote = cluster === null ? '' : `<remote_servers><${cluster.name}>${cluster.tcpPorts
    .map((t) => `<shard><replica><host>127.0.0.1</host><port>${t}</port></replica></shard>`).join('')}</${cluster.name}></remote_servers>`;
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/server.log</log><errorlog>${dir}/error.log</errorlog><console>0</console></logger>
  <http_port>${p.http}</http_port>
  <tcp_port>${p.tcp}</tcp_port>
  <interserver_http_port>${p.interserver}</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>0</uncompressed_cache_size>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  ${remote}
</yandex>
`;
}

const USERS = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default><readonly><readonly>1</readonly></readonly></profiles>
  <users>
    <default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default>
    <reader><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>readonly</profile><quota>default</quota></reader>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`;

async function waitReady(http, proc, dir) {
  const deadline = Date.now() + 60_000;
  let exited = false;
  proc.once('exit', () => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`clickhouse-server exited at start-up (see ${dir}/error.log)`);
    try {
      const r = await fetch(`http://127.0.0.1:${http}/ping`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`clickhouse-server did not answer on 127.0.0.1:${http} within 60 s`);
}

async function start(bin, p, cluster) {
  const dir = mkdtempSync(join(tmpdir(), 'haystack-ch-'));
  for (const d of ['data', 'tmp', 'user_files', 'format_schemas']) mkdirSync(join(dir, d));
  writeFileSync(join(dir, 'config.xml'), config(dir, p, cluster));
  writeFileSync(join(dir, 'users.xml'), USERS);
  const proc = spawn(bin, [`--config-file=${join(dir, 'config.xml')}`], { stdio: 'ignore', cwd: dir });
  await waitReady(p.http, proc, dir);
  return {
    http: p.http,
    tcp: p.tcp,
    url: (db, user = 'default') => `clickhouse://${user}@127.0.0.1:${p.http}/${db}${cluster !== null ? `?cluster=${cluster.name}` : ''}`,
    stop: async () => {
      if (proc.exitCode === null) {
        const gone = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000))]);
        if (proc.exitCode === null) proc.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function ports() {
  return { http: await freePort(), tcp: await freePort(), interserver: await freePort() };
}

/**
 * `attempt` again with other ports when a server found one of its ports taken: a port is free when picked and
 * the server binds it later, and meanwhile another process's outgoing connection may be given it.
 */
async function withFreshPorts(attempt) {
  for (let k = 1; ; k++) {
    try {
      return await attempt();
    } catch (e) {
      const log = /see (\S+)\/error\.log/.exec(String(e?.message))?.[1];
      let taken = false;
      try {
        taken = log !== undefined && readFileSync(join(log, 'error.log'), 'utf8').includes('Address already in use');
      } catch {
        // no log: not a port taken
      }
      if (!taken || k === 3) throw e;
    }
  }
}

/** One server. */
export async function startClickHouse(bin) {
  return withFreshPorts(async () => start(bin, await ports(), null));
}

/** Two servers, each one shard of cluster `hs2` (both know both). */
export async function startCluster(bin, name = 'hs2') {
  return withFreshPorts(async () => {
    const a = await ports();
    const b = await ports();
    const cluster = { name, tcpPorts: [a.tcp, b.tcp] };
    const started = await Promise.allSettled([start(bin, a, cluster), start(bin, b, cluster)]);
    const failed = started.find((r) => r.status === 'rejected');
    if (failed === undefined) return started.map((r) => r.value);
    // the other one, if it started, goes too (its cluster names the failed one's port)
    await Promise.all(started.filter((r) => r.status === 'fulfilled').map((r) => r.value.stop()));
    throw failed.reason;
  });
}
