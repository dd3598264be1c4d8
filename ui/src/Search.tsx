// Search: full text over names, usernames and identifiers, ranked, with type icons and risk
// badges; arrow keys and Enter pick a result, which goes on the canvas.
import { useEffect, useRef, useState } from 'react';
import { ApiError, call } from './api';
import { SearchQuery, SearchWithRiskQuery } from './queries';
import { typeStyle, type GNode } from './model';

interface Hit {
  node: GNode;
  exact: boolean;
}

export function Search({ analyst, onPick }: { analyst: boolean; onPick(n: GNode): void }) {
  const [text, setText] = useState('');
  const [hits, setHits] = useState<Hit[]>([]);
  const [total, setTotal] = useState(0);
  const [cursor, setCursor] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [active, setActive] = useState(0);
  const seq = useRef(0);

  const search = async (q: string, after: string | null = null) => {
    const my = ++seq.current;
    setBusy(true);
    setError(null);
    try {
      const vars = { text: q, first: 20, after };
      const d = analyst ? await call(SearchWithRiskQuery, vars) : await call(SearchQuery, vars);
      if (my !== seq.current) return;
      const got = d.search.hits.map((h) => {
        const n = h.node as GNode & { risk?: { risk: number; alert: boolean } | null };
        return { exact: h.exact, node: { id: n.id, type: n.type, caption: n.caption, properties: n.properties, risk: n.risk?.risk ?? null, alert: n.risk?.alert ?? false } };
      });
      setHits((prev) => (after ? [...prev, ...got] : got));
      setTotal(d.search.total);
      setCursor(d.search.pageInfo.hasNextPage ? d.search.pageInfo.endCursor ?? null : null);
      setOpen(true);
      if (!after) setActive(0);
    } catch (e) {
      if (my === seq.current) setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      if (my === seq.current) setBusy(false);
    }
  };

  // Search as the investigator types (after a pause).
  useEffect(() => {
    const q = text.trim();
    if (q.length < 2) {
      setHits([]);
      setOpen(false);
      return;
    }
    const t = setTimeout(() => void search(q), 250);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text]);

  const pick = (h: Hit) => {
    onPick(h.node);
    setOpen(false);
  };

  return (
    <div className="search" role="search">
      <input
        aria-label="Search"
        placeholder="Search names, usernames, e-mails, phones, accounts, IPs, hashes…"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onFocus={() => hits.length && setOpen(true)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') setActive((a) => Math.min(hits.length - 1, a + 1));
          else if (e.key === 'ArrowUp') setActive((a) => Math.max(0, a - 1));
          else if (e.key === 'Enter' && hits[active]) pick(hits[active]);
          else if (e.key === 'Escape') setOpen(false);
        }}
      />
      {busy && <span className="spinner" aria-label="Searching" />}
      {open && (
        <div className="results" role="listbox" aria-label="Search results">
          {error && <div role="alert" className="error">{error}</div>}
          {!error && !hits.length && !busy && <div className="none">Nothing found for “{text}”.</div>}
          {hits.map((h, i) => {
            const st = typeStyle[h.node.type] ?? typeStyle.PERSON;
            return (
              <div
                key={h.node.id}
                role="option"
                aria-selected={i === active}
                className={`hit ${i === active ? 'active' : ''}`}
                onMouseEnter={() => setActive(i)}
                onClick={() => pick(h)}
                data-id={h.node.id}
              >
                <span className="icon" style={{ background: st.color }} title={st.label}>{st.icon}</span>
                <span className="caption">{h.node.caption}</span>
                <span className="type">{st.label}</span>
                {h.exact && <span className="badge exact">exact</span>}
                {h.node.risk != null && (
                  <span className={`badge risk ${h.node.alert ? 'alert' : ''}`} title="risk score">
                    risk {h.node.risk.toFixed(2)}
                  </span>
                )}
              </div>
            );
          })}
          {hits.length > 0 && (
            <div className="more">
              {hits.length} of {total}
              {cursor && <button onClick={() => void search(text.trim(), cursor)}>more</button>}
            </div>
          )}
        </div>
      )}
    </div>
  );
}
