import { describe, expect, it } from 'vitest';
import {
  History, crossSectorIdentifiers, group, ungroup, edgeLabel, emptyGraph, formatAmount, inPeriod, merge, remove, timeSpan, toCSV, toGraphML, toJSON, toggle,
  type GEdge, type GNode,
} from './model';

const person = (id: string, partner: string): GNode => ({ id: `person:${partner}:${id}`, type: 'PERSON', caption: id, properties: {} });
const email: GNode = { id: 'email:a@x.test', type: 'EMAIL', caption: 'a@x.test', properties: {} };
const uses = (from: string, to: string): GEdge => ({ id: `USES_EMAIL:${from}->${to}`, type: 'USES_EMAIL', from, to, properties: {} });

describe('merge', () => {
  it('adds nodes and only the edges whose ends are on the canvas', () => {
    const a = person('1', 'bank');
    const g = merge(emptyGraph, [a, email], [uses(a.id, email.id), uses('person:x:missing', email.id)], [{ nodeId: a.id, omitted: 120 }]);
    expect(Object.keys(g.nodes)).toEqual([a.id, email.id]);
    expect(Object.keys(g.edges)).toEqual([`USES_EMAIL:${a.id}->${email.id}`]);
    expect(g.more[a.id]).toBe(120);
    // A later expansion with nothing left out clears the count; the old state is untouched.
    const g2 = merge(g, [], [], [{ nodeId: a.id, omitted: 0 }]);
    expect(g2.more[a.id]).toBeUndefined();
    expect(g.more[a.id]).toBe(120);
  });

  it('shows hidden nodes again when they come back', () => {
    const a = person('1', 'bank');
    const g = { ...merge(emptyGraph, [a], []), hidden: [a.id] };
    expect(merge(g, [a], []).hidden).toEqual([]);
  });
});

describe('remove', () => {
  it('drops the nodes, their edges, pins and highlights', () => {
    const a = person('1', 'bank');
    let g = merge(emptyGraph, [a, email], [uses(a.id, email.id)]);
    g = { ...g, pinned: [a.id], highlight: [a.id, email.id] };
    const r = remove(g, [a.id]);
    expect(Object.keys(r.nodes)).toEqual([email.id]);
    expect(Object.keys(r.edges)).toEqual([]);
    expect(r.pinned).toEqual([]);
    expect(r.highlight).toEqual([email.id]);
  });
});

describe('crossSectorIdentifiers', () => {
  it('marks an identifier used by records of two partners, not of one', () => {
    const bank = person('1', 'demo-bank');
    const ua: GNode = { id: 'ua:chatapp:9', type: 'USER_ACCOUNT', caption: 'u', properties: {} };
    const bank2 = person('2', 'demo-bank');
    let g = merge(emptyGraph, [bank, bank2, email], [uses(bank.id, email.id), uses(bank2.id, email.id)]);
    expect(crossSectorIdentifiers(g).size).toBe(0);
    g = merge(g, [ua], [uses(ua.id, email.id)]);
    expect([...crossSectorIdentifiers(g)]).toEqual([email.id]);
  });
});

describe('History', () => {
  it('undoes and redoes, and a new change clears the redo stack', () => {
    const h = new History(2);
    const s0 = emptyGraph;
    const s1 = merge(s0, [email], []);
    const s2 = merge(s1, [person('1', 'b')], []);
    h.push(s0);
    h.push(s1);
    expect(h.undo(s2)).toBe(s1);
    expect(h.undo(s1)).toBe(s0);
    expect(h.undo(s0)).toBeNull();
    expect(h.redo(s0)).toBe(s1);
    h.push(s1);
    expect(h.canRedo).toBe(false);
  });
  it('keeps at most its limit', () => {
    const h = new History(2);
    h.push(emptyGraph);
    h.push(emptyGraph);
    h.push(emptyGraph);
    expect(h.undo(emptyGraph)).not.toBeNull();
    expect(h.undo(emptyGraph)).not.toBeNull();
    expect(h.undo(emptyGraph)).toBeNull();
  });
});

describe('formatting', () => {
  it.each([
    [1886400, 'GBP', 'GBP 18,864.00'],
    [5, 'EUR', 'EUR 0.05'],
    [1500, 'JPY', 'JPY 1,500'],
    [-250, 'usd', 'USD -2.50'],
  ])('formatAmount(%d, %s) is %s', (minor, cur, want) => {
    expect(formatAmount(minor, cur)).toBe(want);
  });
  it('labels money flows with their total and count', () => {
    expect(edgeLabel({ id: 'f', type: 'FLOW', from: 'a', to: 'b', properties: { total: 1886400, currency: 'GBP', count: 6 } })).toBe('GBP 18,864.00 ×6');
    expect(edgeLabel({ id: 'h', type: 'HOLDS', from: 'a', to: 'b', properties: {} })).toBe('holds');
  });
});

describe('exports', () => {
  const a = { ...person('1', 'bank'), caption: 'Ann <&> "Lee"' };
  const g = merge(emptyGraph, [a, email], [uses(a.id, email.id)]);
  it('writes JSON with every node and edge', () => {
    const j = JSON.parse(toJSON(g));
    expect(j.nodes).toHaveLength(2);
    expect(j.edges).toHaveLength(1);
  });
  it('writes well-formed GraphML with escaped text', () => {
    const x = toGraphML(g);
    expect(x).toContain('Ann &lt;&amp;&gt; &quot;Lee&quot;');
    expect(x).toContain(`source="${a.id}"`);
    const doc = new DOMParser().parseFromString(x, 'application/xml');
    expect(doc.getElementsByTagName('parsererror')).toHaveLength(0);
    expect(doc.getElementsByTagName('node')).toHaveLength(2);
  });
  it('quotes CSV cells and defuses formulas', () => {
    expect(toCSV(['a', 'b'], [['x,y', '=HYPERLINK("z")'], ['line\nbreak', null]])).toBe(
      'a,b\r\n"x,y","\'=HYPERLINK(""z"")"\r\n"line\nbreak",\r\n',
    );
  });
});

describe('time', () => {
  it('keeps what overlaps the period and finds the canvas span', () => {
    const e: GEdge = { id: 'f', type: 'FLOW', from: 'a', to: 'b', properties: { first: '2026-01-10T00:00:00Z', last: '2026-02-10T00:00:00Z' } };
    expect(inPeriod(e, Date.parse('2026-02-01'), Date.parse('2026-03-01'))).toBe(true);
    expect(inPeriod(e, Date.parse('2026-03-01'), null)).toBe(false);
    expect(inPeriod(e, null, Date.parse('2026-01-01'))).toBe(false);
    expect(inPeriod(email, Date.parse('2026-03-01'), null)).toBe(true); // undated: always shown
    const g = merge(merge(emptyGraph, [person('a', 'x'), person('b', 'x')], []), [], []);
    expect(timeSpan(g)).toBeNull();
  });
  it('toggles ids in a list', () => {
    expect(toggle(['a'], ['a', 'b'])).toEqual(['a', 'b']);
    expect(toggle(['a', 'b'], ['a', 'b'])).toEqual([]);
  });
});

describe('boxes', () => {
  it('groups nodes in a named box, moves them between boxes and drops empty boxes', () => {
    const a = person('1', 'bank');
    const b = person('2', 'bank');
    let g = merge(emptyGraph, [a, b, email], []);
    g = group(g, [a.id, b.id, 'person:x:absent'], 'family');
    expect(g.boxes).toEqual({ 'box:1': 'family' });
    expect(g.parents).toEqual({ [a.id]: 'box:1', [b.id]: 'box:1' });
    g = group(g, [a.id, b.id], 'mules');
    expect(g.boxes).toEqual({ 'box:2': 'mules' });
    expect(ungroup(g, [a.id]).parents).toEqual({ [b.id]: 'box:2' });
    const none = ungroup(g, ['box:2']);
    expect(none.parents).toEqual({});
    expect(none.boxes).toEqual({});
  });
});
