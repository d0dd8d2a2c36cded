// Types of clickhouse-server.mjs.
export interface ClickHouseServer {
  http: number;
  tcp: number;
  /** store URL for a database on this server (with ?cluster=NAME when it belongs to one); user `reader` is read-only */
  url(database: string, user?: string): string;
  stop(): Promise<void>;
}
/** The server binary, or null when it is not installed (throws in CI). */
export function clickhouseBinary(): string | null;
/** One server. */
export function startClickHouse(bin: string): Promise<ClickHouseServer>;
/** Two servers, each one shard of cluster `name` (both know both). */
export function startCluster(bin: string, name?: string): Promise<[ClickHouseServer, ClickHouseServer]>;
