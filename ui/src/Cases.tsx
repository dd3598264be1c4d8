// Cases: the list, a new case, and one case with its entities, alerts, notes, saved views and
// history; open its entities or a saved view on the canvas, save the current view, add a note,
// close or reopen it, and print a report (HTML that prints to PDF).
import { useEffect, useState } from 'react';
import { ApiError, call } from './api';
import { AddCaseNoteMutation, CaseQuery, CasesQuery, CreateCaseMutation, SaveCaseViewMutation, UpdateCaseMutation } from './queries';
import { loadNodes } from './Explore';
import { formatTime, type GNode } from './model';
import { openReport, reportFile } from './report';
import { download } from './download';
import type { CaseQuery as CaseData, CasesQuery as CasesData } from './gql/graphql';

export interface CanvasView {
  nodeIds: string[];
  edgeIds: string[];
  positions: Record<string, { x: number; y: number }>;
  png: Blob | null;
}

interface Props {
  current: string | null;
  onCurrent(id: string | null, title: string | null): void;
  /** The canvas as it is now (for "save the current view" and the report). */
  view(): CanvasView;
  /** Puts nodes on the canvas (replacing it when positions are given: a saved view). */
  onOpen(nodes: GNode[], positions?: Record<string, { x: number; y: number }>): void;
}

export function CasesView({ current, onCurrent, view, onOpen }: Props) {
  const [list, setList] = useState<CasesData['cases']['nodes']>([]);
  const [detail, setDetail] = useState<CaseData['case'] | null>(null);
  const [title, setTitle] = useState('');
  const [note, setNote] = useState('');
  const [viewName, setViewName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const guard = async (f: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await f();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  const loadList = () => guard(async () => setList((await call(CasesQuery, {})).cases.nodes));
  const open = (id: string) =>
    guard(async () => {
      const c = (await call(CaseQuery, { id })).case;
      setDetail(c);
      onCurrent(c.id, c.title);
    });

  useEffect(() => {
    void loadList();
    if (current) void open(current);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const create = () =>
    guard(async () => {
      const c = (await call(CreateCaseMutation, { title: title.trim() }, true)).createCase;
      setTitle('');
      await loadList();
      await open(c.id);
    });

  const c = detail;
  return (
    <div className="cases" data-testid="cases">
      <div className="case-list">
        <h2>Cases</h2>
        <form onSubmit={(e) => { e.preventDefault(); if (title.trim()) void create(); }} className="row">
          <input aria-label="New case title" placeholder="New case title" value={title} onChange={(e) => setTitle(e.target.value)} maxLength={200} />
          <button type="submit" disabled={busy || !title.trim()}>Create</button>
        </form>
        <ul>
          {list.map((x) => (
            <li key={x.id} className={x.id === c?.id ? 'chosen' : ''}>
              <button className="link" onClick={() => void open(x.id)}>{x.title}</button>{' '}
              <span className="muted">{x.status.toLowerCase()} · {formatTime(x.updatedAt).slice(0, 10)}</span>
            </li>
          ))}
          {!list.length && <li className="muted">No cases yet.</li>}
        </ul>
      </div>
      <div className="case-detail">
        {error && <div role="alert" className="error">{error}</div>}
        {!c && <p className="muted">Create or open a case. The open case is where the canvas's “Add to case” and “Save view” go.</p>}
        {c && (
          <>
            <h2>{c.title} <span className="badge">{c.status.toLowerCase()}</span></h2>
            <p className="muted">Opened by {c.createdBy} on {formatTime(c.createdAt)}; last change {formatTime(c.updatedAt)}.</p>
            <div className="row">
              <button onClick={() => onOpen(c.entities.filter(Boolean) as GNode[])} disabled={!c.entities.length}>Open the entities on the canvas</button>
              <button onClick={() => void guard(async () => { await call(UpdateCaseMutation, { id: c.id, status: c.status === 'OPEN' ? 'CLOSED' : 'OPEN' }, true); await open(c.id); await loadList(); })}>
                {c.status === 'OPEN' ? 'Close the case' : 'Reopen'}
              </button>
              <button onClick={() => void openReport(c, view().png)}>Print report</button>
              <button onClick={() => void reportFile(c, view().png).then((html) => download(`case-${c.id.replace(/[^\w.-]+/g, '_')}.html`, html, 'text/html'))}>Download report</button>
            </div>
            <h3>Entities ({c.entities.length})</h3>
            <ul aria-label="Case entities">{c.entities.filter(Boolean).map((n) => <li key={n!.id}>{n!.caption} <span className="muted">{n!.type.toLowerCase()}</span></li>)}</ul>
            <h3>Alerts ({c.alerts.length})</h3>
            <ul>{c.alerts.map((a) => <li key={a.id}>{a.subject?.caption ?? a.id} · risk {a.risk.toFixed(2)} · {a.status.toLowerCase()}</li>)}</ul>
            <h3>Notes</h3>
            <ul aria-label="Case notes">{c.notes.map((n) => <li key={n.id}><span className="muted">{formatTime(n.at)} {n.by}:</span> {n.text}</li>)}</ul>
            <form className="row" onSubmit={(e) => { e.preventDefault(); if (note.trim()) void guard(async () => { await call(AddCaseNoteMutation, { id: c.id, text: note.trim() }, true); setNote(''); await open(c.id); }); }}>
              <textarea aria-label="Note" value={note} onChange={(e) => setNote(e.target.value)} rows={2} maxLength={10000} />
              <button type="submit" disabled={busy || !note.trim()}>Add note</button>
            </form>
            <h3>Saved views</h3>
            <ul aria-label="Saved views">
              {c.views.map((v) => (
                <li key={v.id}>
                  <button className="link" onClick={() => void guard(async () => {
                    const nodes = await loadNodes(v.nodeIds);
                    let positions: Record<string, { x: number; y: number }> = {};
                    try { positions = v.layout ? JSON.parse(v.layout).positions ?? {} : {}; } catch { positions = {}; }
                    onOpen(nodes, positions);
                  })}>{v.name}</button> <span className="muted">{v.nodeIds.length} nodes · {v.by} · {formatTime(v.at)}</span>
                </li>
              ))}
            </ul>
            <form className="row" onSubmit={(e) => { e.preventDefault(); const v = view(); if (viewName.trim()) void guard(async () => {
              await call(SaveCaseViewMutation, { id: c.id, view: { name: viewName.trim(), nodeIds: v.nodeIds, edgeIds: v.edgeIds, layout: JSON.stringify({ positions: v.positions }) } }, true);
              setViewName('');
              await open(c.id);
            }); }}>
              <input aria-label="View name" placeholder="Name of the current canvas view" value={viewName} onChange={(e) => setViewName(e.target.value)} maxLength={200} />
              <button type="submit" disabled={busy || !viewName.trim()}>Save the current view</button>
            </form>
            <h3>History</h3>
            <table aria-label="Case history">
              <tbody>{c.history.map((h, i) => <tr key={i}><td>{formatTime(h.at)}</td><td>{h.by}</td><td>{h.action.toLowerCase()}</td><td>{h.detail ?? ''}</td></tr>)}</tbody>
            </table>
          </>
        )}
      </div>
    </div>
  );
}
