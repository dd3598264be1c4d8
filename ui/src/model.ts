// The canvas's model, kept apart from React and Cytoscape so that it can be unit-tested: what
// is on the canvas (nodes, edges, "and N more" counts, pins, hidden ones), merging API results
// into it, undo/redo, and the exports (JSON, GraphML, CSV).

export type EntityType =
  | 'PERSON' | 'ORGANIZATION' | 'COMPANY' | 'BANK_ACCOUNT' | 'CRYPTO_WALLET' | 'USER_ACCOUNT'
  | 'ADDRESS' | 'MERCHANT' | 'REPORT' | 'TRANSACTION' | 'EMAIL' | 'PHONE' | 'IP_ADDRESS'
  | 'DEVICE' | 'FILE_HASH' | 'HANDLE';

export interface GNode {
  id: string;
  type: EntityType;
  caption: string;
  properties: Record<string, unknown>;
  risk?: number | null;
  alert?: boolean;
}

export interface GEdge {
  id: string;
  type: string;
  from: string;
  to: string;
  properties: Record<string, unknown>;
}

export interface GraphState {
  nodes: Record<string, GNode>;
  edges: Record<string, GEdge>;
  /** Neighbours left out of the last expansion of a node ("and N more"). */
  more: Record<string, number>;
  pinned: string[];
  hidden: string[];
  /** Ids highlighted (a path, a signal's evidence). */
  highlight: string[];
  /** Community of each node when the canvas is coloured by community (index into palette). */
  groups: Record<string, number>;
  /** Boxes the investigator drew around nodes: node id → box id, and each box's name. */
  parents: Record<string, string>;
  boxes: Record<string, string>;
}

export const emptyGraph: GraphState = { nodes: {}, edges: {}, more: {}, pinned: [], hidden: [], highlight: [], groups: {}, parents: {}, boxes: {} };

/** Puts nodes in a new named box (taking them out of any other); empty boxes disappear. */
export function group(g: GraphState, ids: string[], name: string): GraphState {
  const present = ids.filter((id) => g.nodes[id]);
  if (!present.length) return g;
  let n = Object.keys(g.boxes).length + 1;
  while (g.boxes[`box:${n}`]) n++;
  const box = `box:${n}`;
  const parents = { ...g.parents };
  for (const id of present) parents[id] = box;
  return prune({ ...g, parents, boxes: { ...g.boxes, [box]: name } });
}

/** Takes nodes out of their boxes; empty boxes disappear. */
export function ungroup(g: GraphState, ids: string[]): GraphState {
  const parents = { ...g.parents };
  for (const id of ids) {
    delete parents[id];
    // Selecting a box ungroups all of it.
    for (const [n, b] of Object.entries(parents)) if (b === id) delete parents[n];
  }
  return prune({ ...g, parents });
}

function prune(g: GraphState): GraphState {
  const used = new Set(Object.entries(g.parents).filter(([id]) => g.nodes[id]).map(([, b]) => b));
  return { ...g, boxes: Object.fromEntries(Object.entries(g.boxes).filter(([b]) => used.has(b))) };
}

/** Colours of communities on the canvas (12 that stay apart, then they repeat). */
export const palette = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#9a6324', '#469990', '#800000', '#808000', '#000075'];

/** How each type is drawn: a colour, a short icon text and a readable name. */
export const typeStyle: Record<EntityType, { color: string; icon: string; label: string; shape: string }> = {
  PERSON: { color: '#2563eb', icon: 'P', label: 'Person', shape: 'ellipse' },
  ORGANIZATION: { color: '#7c3aed', icon: 'O', label: 'Organization', shape: 'round-rectangle' },
  COMPANY: { color: '#7c3aed', icon: 'C', label: 'Company', shape: 'round-rectangle' },
  BANK_ACCOUNT: { color: '#059669', icon: '$', label: 'Account', shape: 'round-rectangle' },
  CRYPTO_WALLET: { color: '#d97706', icon: '₿', label: 'Crypto wallet', shape: 'round-rectangle' },
  USER_ACCOUNT: { color: '#db2777', icon: '@', label: 'Platform account', shape: 'ellipse' },
  ADDRESS: { color: '#64748b', icon: 'A', label: 'Address', shape: 'round-tag' },
  MERCHANT: { color: '#0891b2', icon: 'M', label: 'Merchant', shape: 'round-rectangle' },
  REPORT: { color: '#dc2626', icon: 'R', label: 'Report', shape: 'diamond' },
  TRANSACTION: { color: '#16a34a', icon: 'T', label: 'Transaction', shape: 'round-triangle' },
  EMAIL: { color: '#ca8a04', icon: '✉', label: 'E-mail', shape: 'hexagon' },
  PHONE: { color: '#ca8a04', icon: '☎', label: 'Phone', shape: 'hexagon' },
  IP_ADDRESS: { color: '#ca8a04', icon: 'IP', label: 'IP address', shape: 'hexagon' },
  DEVICE: { color: '#ca8a04', icon: 'D', label: 'Device', shape: 'hexagon' },
  FILE_HASH: { color: '#9f1239', icon: '#', label: 'File hash', shape: 'hexagon' },
  HANDLE: { color: '#ca8a04', icon: 'H', label: 'Handle', shape: 'hexagon' },
};

/** Identifier types: the nodes records from different sectors meet on. */
export const identifierTypes: EntityType[] = ['EMAIL', 'PHONE', 'IP_ADDRESS', 'DEVICE', 'FILE_HASH', 'HANDLE'];

export const allTypes = Object.keys(typeStyle) as EntityType[];

/** The partner (sector) that a node id comes from, e.g. "demo-bank" in "acct:demo-bank:X". */
export function partnerOf(n: GNode): string | null {
  const p = n.properties['partner'];
  if (typeof p === 'string') return p;
  const parts = n.id.split(':');
  if (parts.length >= 3 && !identifierTypes.includes(n.type)) return parts[1];
  return null;
}

/**
 * Identifiers on the canvas shared across sectors: an identifier node linked to nodes of two or
 * more partners (a bank's customer and a platform's account on one e-mail). They stand out.
 */
export function crossSectorIdentifiers(g: GraphState): Set<string> {
  const partners: Record<string, Set<string>> = {};
  for (const e of Object.values(g.edges)) {
    for (const [idf, other] of [[e.to, e.from], [e.from, e.to]]) {
      const n = g.nodes[idf];
      const o = g.nodes[other];
      if (!n || !o || !identifierTypes.includes(n.type)) continue;
      const p = partnerOf(o);
      if (p) (partners[idf] ??= new Set()).add(p);
    }
  }
  return new Set(Object.entries(partners).filter(([, s]) => s.size >= 2).map(([id]) => id));
}

/** Adds nodes and edges (new ones win for properties), and records the "and N more" counts. */
export function merge(g: GraphState, nodes: GNode[], edges: GEdge[], more: { nodeId: string; omitted: number }[] = []): GraphState {
  const out: GraphState = { ...g, nodes: { ...g.nodes }, edges: { ...g.edges }, more: { ...g.more } };
  for (const n of nodes) out.nodes[n.id] = { ...out.nodes[n.id], ...n };
  for (const e of edges) {
    if (out.nodes[e.from] && out.nodes[e.to]) out.edges[e.id] = e;
  }
  for (const m of more) {
    if (m.omitted > 0) out.more[m.nodeId] = m.omitted;
    else delete out.more[m.nodeId];
  }
  const hidden = new Set(nodes.map((n) => n.id));
  out.hidden = g.hidden.filter((id) => !hidden.has(id));
  return out;
}

/** Removes nodes and the edges that touch them. */
export function remove(g: GraphState, ids: string[]): GraphState {
  const gone = new Set(ids);
  const nodes = Object.fromEntries(Object.entries(g.nodes).filter(([id]) => !gone.has(id)));
  const edges = Object.fromEntries(Object.entries(g.edges).filter(([, e]) => !gone.has(e.from) && !gone.has(e.to)));
  const more = Object.fromEntries(Object.entries(g.more).filter(([id]) => !gone.has(id)));
  return {
    ...g, nodes, edges, more,
    pinned: g.pinned.filter((id) => !gone.has(id)),
    hidden: g.hidden.filter((id) => !gone.has(id)),
    highlight: g.highlight.filter((id) => !gone.has(id)),
  };
}

export function toggle(list: string[], ids: string[]): string[] {
  const set = new Set(list);
  const allIn = ids.every((id) => set.has(id));
  for (const id of ids) {
    if (allIn) set.delete(id);
    else set.add(id);
  }
  return [...set];
}

/** Undo/redo over graph states: a bounded stack of snapshots (states are immutable). */
export class History {
  private past: GraphState[] = [];
  private future: GraphState[] = [];
  constructor(private readonly limit = 100) {}

  push(prev: GraphState): void {
    this.past.push(prev);
    if (this.past.length > this.limit) this.past.shift();
    this.future = [];
  }
  undo(cur: GraphState): GraphState | null {
    const prev = this.past.pop();
    if (!prev) return null;
    this.future.push(cur);
    return prev;
  }
  redo(cur: GraphState): GraphState | null {
    const next = this.future.pop();
    if (!next) return null;
    this.past.push(cur);
    return next;
  }
  get canUndo(): boolean {
    return this.past.length > 0;
  }
  get canRedo(): boolean {
    return this.future.length > 0;
  }
}

/** Minor units to a readable amount: 1886400 GBP is "GBP 18,864.00". */
export function formatAmount(minor: number | null | undefined, currency: string | null | undefined): string {
  if (minor == null) return '';
  const cur = (currency ?? '').toUpperCase();
  const digits = ['JPY', 'KRW', 'VND', 'IDR', 'CLP', 'ISK'].includes(cur) ? 0 : 2;
  const value = minor / 10 ** digits;
  return `${cur} ${value.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`.trim();
}

export function formatTime(t: string | null | undefined): string {
  if (!t) return '';
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return t;
  return d.toISOString().replace('T', ' ').replace(/:\d\d\.\d+Z$|:\d\dZ$/, ' UTC');
}

/** An edge's label on the canvas: the amount of a money flow, else its type. */
export function edgeLabel(e: GEdge): string {
  if (e.type === 'FLOW') {
    const n = Number(e.properties['count'] ?? 0);
    return `${formatAmount(Number(e.properties['total'] ?? 0), String(e.properties['currency'] ?? ''))}${n > 1 ? ` ×${n}` : ''}`;
  }
  return e.type.replaceAll('_', ' ').toLowerCase();
}

/** The width of a money edge grows with the log of its amount (1..12 px). */
export function edgeWidth(e: GEdge): number {
  if (e.type !== 'FLOW') return 1.5;
  const total = Math.max(1, Number(e.properties['total'] ?? 1) / 100);
  return Math.min(12, 1.5 + Math.log10(total) * 1.5);
}

/** The current graph as JSON: what "Export JSON" downloads and a saved view holds. */
export function toJSON(g: GraphState): string {
  return JSON.stringify({ nodes: Object.values(g.nodes), edges: Object.values(g.edges) }, null, 2);
}

function xml(s: unknown): string {
  return String(s ?? '').replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

/** The current graph as GraphML (opens in Gephi, yEd, Cytoscape desktop, i2 via import). */
export function toGraphML(g: GraphState): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">',
    '  <key id="type" for="all" attr.name="type" attr.type="string"/>',
    '  <key id="caption" for="node" attr.name="caption" attr.type="string"/>',
    '  <key id="properties" for="all" attr.name="properties" attr.type="string"/>',
    '  <graph id="crosslink" edgedefault="directed">',
  ];
  for (const n of Object.values(g.nodes)) {
    lines.push(`    <node id="${xml(n.id)}"><data key="type">${xml(n.type)}</data><data key="caption">${xml(n.caption)}</data><data key="properties">${xml(JSON.stringify(n.properties))}</data></node>`);
  }
  for (const e of Object.values(g.edges)) {
    lines.push(`    <edge id="${xml(e.id)}" source="${xml(e.from)}" target="${xml(e.to)}"><data key="type">${xml(e.type)}</data><data key="properties">${xml(JSON.stringify(e.properties))}</data></edge>`);
  }
  lines.push('  </graph>', '</graphml>');
  return lines.join('\n');
}

/** Rows as CSV (RFC 4180 quoting; a leading =, +, - or @ is quoted against formula injection). */
export function toCSV(header: string[], rows: unknown[][]): string {
  const cell = (v: unknown): string => {
    let s = v == null ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\n\r]/.test(s) || s !== s.trim() ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** Nodes whose activity falls in [from, to] (by firstSeen/lastSeen, or a transaction's time). */
export function inPeriod(n: GNode | GEdge, from: number | null, to: number | null): boolean {
  if (from == null && to == null) return true;
  const p = n.properties;
  const first = Date.parse(String(p['first'] ?? p['firstSeen'] ?? p['timestamp'] ?? ''));
  const last = Date.parse(String(p['last'] ?? p['lastSeen'] ?? p['timestamp'] ?? ''));
  if (Number.isNaN(first) && Number.isNaN(last)) return true;
  if (from != null && !Number.isNaN(last) && last < from) return false;
  if (to != null && !Number.isNaN(first) && first > to) return false;
  return true;
}

/** The time span of everything on the canvas (for the time slider), or null. */
export function timeSpan(g: GraphState): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of [...Object.values(g.nodes), ...Object.values(g.edges)]) {
    for (const k of ['first', 'firstSeen', 'timestamp', 'last', 'lastSeen']) {
      const t = Date.parse(String(x.properties[k] ?? ''));
      if (!Number.isNaN(t)) {
        lo = Math.min(lo, t);
        hi = Math.max(hi, t);
      }
    }
  }
  return lo <= hi ? [lo, hi] : null;
}
