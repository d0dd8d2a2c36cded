// A host graph laid out by d3-force and drawn on a canvas: node size and edge width by the chosen weight,
// colours by side of the home net; a click on a node or an edge reports it. Labels are drawn as canvas
// text, never markup. The laid-out positions are on the canvas's data-nodes (what the tests click).
import type { JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { forceCenter, forceCollide, forceLink, forceManyBody, forceSimulation, forceX, forceY, type SimulationLinkDatum, type SimulationNodeDatum } from 'd3-force';
import { theme } from '../theme.js';
import type { GraphEdge, GraphNode } from './graph-data.js';

type N = GraphNode & SimulationNodeDatum;
type E = Omit<GraphEdge, 'source' | 'target'> & SimulationLinkDatum<N> & { from: string; to: string };

const HEIGHT = 560;

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

function segDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len = dx * dx + dy * dy;
  const t = len === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

export function ForceGraph({ nodes, edges, weight, onNode, onEdge }: {
  nodes: GraphNode[];
  edges: GraphEdge[];
  weight: 'bytes' | 'sessions';
  onNode: (id: string) => void;
  onEdge: (from: string, to: string) => void;
}): JSX.Element {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (canvas === null) return;
    const width = Math.max(400, canvas.parentElement?.clientWidth ?? 900);
    const dpr = window.devicePixelRatio || 1;
    canvas.width = width * dpr;
    canvas.height = HEIGHT * dpr;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${HEIGHT}px`;
    const ns: N[] = nodes.map((n) => ({ ...n }));
    const es: E[] = edges.map((e) => ({ ...e, from: e.source, to: e.target, source: e.source, target: e.target }));
    const maxN = Math.max(1, ...ns.map((n) => n[weight]));
    const maxE = Math.max(1, ...es.map((e) => e[weight]));
    const radius = (n: N): number => 4 + 14 * Math.sqrt(n[weight] / maxN);
    const sim = forceSimulation<N>(ns)
      .force('link', forceLink<N, E>(es).id((d) => d.id).distance(90))
      .force('charge', forceManyBody<N>().strength(-260))
      .force('center', forceCenter(width / 2, HEIGHT / 2))
      .force('x', forceX<N>(width / 2).strength(0.04))
      .force('y', forceY<N>(HEIGHT / 2).strength(0.06))
      .force('collide', forceCollide<N>((n) => radius(n) + 6))
      .stop();
    sim.tick(300);
    for (const n of ns) {
      n.x = Math.max(20, Math.min(width - 20, n.x ?? 0));
      n.y = Math.max(20, Math.min(HEIGHT - 20, n.y ?? 0));
    }
    const colour = {
      home: cssVar('--home', '#2f9e44'), outside: cssVar('--outside', '#d9480f'), unknown: cssVar('--muted', '#888'),
      fg: cssVar('--fg', '#222'), line: cssVar('--muted', '#999'), inbound: cssVar('--inbound', '#d9480f'), outbound: cssVar('--outbound', '#1f6feb'), internal: cssVar('--home', '#2f9e44'),
    };
    const edgeColour = (d: string): string => (d === 'inbound' ? colour.inbound : d === 'outbound' ? colour.outbound : d === 'internal' ? colour.internal : colour.line);
    const ctx = canvas.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, HEIGHT);
    for (const e of es) {
      const s = e.source as N;
      const t = e.target as N;
      ctx.strokeStyle = edgeColour(e.direction);
      ctx.globalAlpha = 0.7;
      ctx.lineWidth = 1 + 7 * (e[weight] / maxE);
      ctx.beginPath();
      ctx.moveTo(s.x!, s.y!);
      ctx.lineTo(t.x!, t.y!);
      ctx.stroke();
      // an arrowhead at the responder
      const a = Math.atan2(t.y! - s.y!, t.x! - s.x!);
      const r = radius(t) + 2;
      const hx = t.x! - r * Math.cos(a);
      const hy = t.y! - r * Math.sin(a);
      ctx.fillStyle = edgeColour(e.direction);
      ctx.beginPath();
      ctx.moveTo(hx, hy);
      ctx.lineTo(hx - 9 * Math.cos(a - 0.4), hy - 9 * Math.sin(a - 0.4));
      ctx.lineTo(hx - 9 * Math.cos(a + 0.4), hy - 9 * Math.sin(a + 0.4));
      ctx.fill();
    }
    ctx.globalAlpha = 1;
    ctx.font = '12px system-ui, sans-serif';
    for (const n of ns) {
      ctx.fillStyle = colour[n.side];
      ctx.beginPath();
      ctx.arc(n.x!, n.y!, radius(n), 0, 2 * Math.PI);
      ctx.fill();
      ctx.fillStyle = colour.fg;
      ctx.fillText(n.id, n.x! + radius(n) + 3, n.y! + 4);
    }
    canvas.dataset.nodes = JSON.stringify(ns.map((n) => ({ id: n.id, x: Math.round(n.x!), y: Math.round(n.y!) })));
    const at = (ev: MouseEvent): { node?: N; edge?: E } => {
      const b = canvas.getBoundingClientRect();
      const x = ev.clientX - b.left;
      const y = ev.clientY - b.top;
      const node = ns.find((n) => Math.hypot(n.x! - x, n.y! - y) <= radius(n) + 3);
      if (node !== undefined) return { node };
      const edge = es.find((e) => segDistance(x, y, (e.source as N).x!, (e.source as N).y!, (e.target as N).x!, (e.target as N).y!) <= 4);
      return edge !== undefined ? { edge } : {};
    };
    const click = (ev: MouseEvent): void => {
      const h = at(ev);
      if (h.node !== undefined) onNode(h.node.id);
      else if (h.edge !== undefined) onEdge(h.edge.from, h.edge.to);
    };
    const move = (ev: MouseEvent): void => {
      const h = at(ev);
      canvas.classList.toggle('pointing', h.node !== undefined || h.edge !== undefined);
      canvas.title = h.node !== undefined
        ? `${h.node.id} (${h.node.side}): ${h.node.sessions} sessions, ${h.node.bytes.toLocaleString('en')} bytes`
        : h.edge !== undefined ? `${h.edge.from} → ${h.edge.to} (${h.edge.direction}): ${h.edge.sessions} sessions, ${h.edge.bytes.toLocaleString('en')} bytes` : '';
    };
    canvas.addEventListener('click', click);
    canvas.addEventListener('mousemove', move);
    return () => {
      canvas.removeEventListener('click', click);
      canvas.removeEventListener('mousemove', move);
    };
  }, [nodes, edges, weight, theme.value]);
  return <canvas ref={ref} class="graph" data-testid="graph" role="img" aria-label={`graph of ${nodes.length} hosts and ${edges.length} connections`} />;
}
