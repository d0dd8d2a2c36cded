// Sessions aggregated into a host graph: a node per address (home, outside, or unknown by the sessions'
// direction), an edge per originator -> responder pair with its sessions and bytes; the heaviest nodes kept.
export type Side = 'home' | 'outside' | 'unknown';

export interface GraphNode {
  id: string;
  side: Side;
  sessions: number;
  bytes: number;
  x?: number;
  y?: number;
}

export interface GraphEdge {
  source: string;
  target: string;
  sessions: number;
  bytes: number;
  /** the sessions' direction against the home net (the most common one, when they differ) */
  direction: string;
}

export interface SessionRow {
  src_ip?: unknown;
  dst_ip?: unknown;
  src_bytes?: unknown;
  dst_bytes?: unknown;
  direction?: unknown;
}

function sidesOf(direction: string): [Side, Side] {
  switch (direction) {
    case 'inbound': return ['outside', 'home'];
    case 'outbound': return ['home', 'outside'];
    case 'internal': return ['home', 'home'];
    case 'external': return ['outside', 'outside'];
    default: return ['unknown', 'unknown'];
  }
}

export function aggregate(rows: readonly SessionRow[], cap: number, weight: 'bytes' | 'sessions'): { nodes: GraphNode[]; edges: GraphEdge[]; hosts: number } {
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge & { dirs: Map<string, number> }>();
  const node = (id: string, side: Side, bytes: number): void => {
    const n = nodes.get(id) ?? { id, side, sessions: 0, bytes: 0 };
    if (n.side === 'unknown') n.side = side;
    n.sessions++;
    n.bytes += bytes;
    nodes.set(id, n);
  };
  for (const r of rows) {
    if (typeof r.src_ip !== 'string' || typeof r.dst_ip !== 'string') continue;
    const bytes = Number(r.src_bytes ?? 0) + Number(r.dst_bytes ?? 0);
    const dir = typeof r.direction === 'string' ? r.direction : 'unknown';
    const [s, d] = sidesOf(dir);
    node(r.src_ip, s, bytes);
    node(r.dst_ip, d, bytes);
    const k = `${r.src_ip}\n${r.dst_ip}`;
    const e = edges.get(k) ?? { source: r.src_ip, target: r.dst_ip, sessions: 0, bytes: 0, direction: dir, dirs: new Map<string, number>() };
    e.sessions++;
    e.bytes += bytes;
    e.dirs.set(dir, (e.dirs.get(dir) ?? 0) + 1);
    edges.set(k, e);
  }
  const kept = [...nodes.values()].sort((a, b) => b[weight] - a[weight] || a.id.localeCompare(b.id)).slice(0, cap);
  const ids = new Set(kept.map((n) => n.id));
  const keptEdges = [...edges.values()].filter((e) => ids.has(e.source) && ids.has(e.target)).map(({ dirs, ...e }) => ({
    ...e, direction: [...dirs.entries()].sort((a, b) => b[1] - a[1])[0]![0],
  }));
  return { nodes: kept, edges: keptEdges, hosts: nodes.size };
}
