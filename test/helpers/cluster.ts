// A two-shard ClickHouse cluster ready for the store: both nodes started on 127.0.0.1 and each given its tables
// (without ZooKeeper there is no ON CLUSTER); returns the store URLs of database `db` on each node.
import { openStore } from '../../src/store/open.js';
import { startCluster, type ClickHouseServer } from './clickhouse-server.mjs';

export async function readyCluster(bin: string, servers: ClickHouseServer[], db = 'hs'): Promise<[string, string]> {
  const [a, b] = await startCluster(bin);
  servers.push(a, b);
  const urls: [string, string] = [a.url(db), b.url(db)];
  for (const u of urls) {
    const st = await openStore(u);
    await st.init();
    await st.close();
  }
  return urls;
}
