// The alert queue: alerts by status, highest risk first, paged; open one to see its subject and
// the evidence of its signals on the canvas; take it into review, escalate or close it.
import { useState } from 'react';
import { usePaged } from './paged';
import { ApiError, call } from './api';
import { AlertsQuery, EntityRiskQuery, UpdateAlertMutation, NodesQuery } from './queries';
import { download } from './download';
import { formatTime, toCSV, typeStyle, type EntityType, type GNode } from './model';
import type { AlertsQuery as AlertsData, AlertStatus, CloseReason } from './gql/graphql';

type Alert = AlertsData['alerts']['nodes'][number];

const statuses: AlertStatus[] = ['NEW', 'IN_REVIEW', 'ESCALATED', 'CLOSED'];

export function AlertsView({ onOpen }: { onOpen(nodes: GNode[], highlight: string[]): void }) {
  const [status, setStatus] = useState<AlertStatus[]>(['NEW', 'IN_REVIEW', 'ESCALATED']);
  const [opening, setOpening] = useState<string | null>(null);
  const { items: alerts, setItems: setAlerts, loading, error, setError, hasMore, more, reload } = usePaged<Alert>(async (after) => {
    const d = await call(AlertsQuery, { filter: { statuses: status }, first: 50, after });
    return { items: d.alerts.nodes, next: d.alerts.pageInfo.hasNextPage ? d.alerts.pageInfo.endCursor ?? null : null };
  }, [status]);

  const open = async (a: Alert) => {
    if (!a.subject) return;
    setOpening(a.id);
    setError(null);
    try {
      // The subject and the entities its strongest signals name.
      const r = await call(EntityRiskQuery, { id: a.subject.id });
      const ids = new Set<string>();
      for (const s of r.entity.node.risk?.signals.slice(0, 5) ?? []) for (const e of s.entities) if (e) ids.add(e.id);
      ids.delete(a.subject.id);
      const more = ids.size ? ((await call(NodesQuery, { ids: [...ids].slice(0, 100) })).nodes.filter(Boolean) as GNode[]) : [];
      onOpen([a.subject as GNode, ...more], [a.subject.id, ...more.map((n) => n.id)]);
      if (a.status === 'NEW') void change(a, { status: 'IN_REVIEW' });
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setOpening(null);
    }
  };

  const change = async (a: Alert, input: { status?: AlertStatus; closeReason?: CloseReason; assignee?: string }) => {
    try {
      const d = await call(UpdateAlertMutation, { id: a.id, input }, true);
      setAlerts((list) => list.map((x) => (x.id === a.id ? { ...x, status: d.updateAlert.status, assignee: d.updateAlert.assignee } : x)));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  };

  const csv = () =>
    download('alerts.csv', toCSV(['alert', 'status', 'risk', 'subject', 'caption', 'rules', 'assignee', 'created'],
      alerts.map((a) => [a.id, a.status, a.risk.toFixed(4), a.subject?.id, a.subject?.caption, a.rules.join(' '), a.assignee, a.createdAt])), 'text/csv');

  return (
    <div className="alerts" data-testid="alerts">
      <div className="row">
        <h2>Alerts</h2>
        {statuses.map((s) => (
          <label key={s} className="inline">
            <input type="checkbox" checked={status.includes(s)} onChange={() => setStatus((cur) => (cur.includes(s) ? cur.filter((x) => x !== s) : [...cur, s]))} />
            {s.replace('_', ' ').toLowerCase()}
          </label>
        ))}
        <button onClick={() => void reload()}>Refresh</button>
        <button onClick={csv} disabled={!alerts.length}>Export CSV</button>
      </div>
      {error && <div role="alert" className="error">{error}</div>}
      <table aria-label="Alert queue">
        <thead>
          <tr><th>risk</th><th>subject</th><th>why</th><th>status</th><th>assignee</th><th>raised</th><th /></tr>
        </thead>
        <tbody>
          {alerts.map((a) => {
            const st = a.subject ? typeStyle[a.subject.type as EntityType] : null;
            return (
              <tr key={a.id}>
                <td className="num"><span className="badge risk alert">{a.risk.toFixed(2)}</span></td>
                <td>{st && <span className="icon" style={{ background: st.color }}>{st.icon}</span>} {a.subject?.caption ?? '(gone)'}</td>
                <td className="rules">{a.rules.slice(0, 6).join(', ')}{a.rules.length > 6 ? ` +${a.rules.length - 6}` : ''}</td>
                <td>{a.status.replace('_', ' ').toLowerCase()}</td>
                <td>{a.assignee ?? ''}</td>
                <td>{formatTime(a.createdAt).slice(0, 10)}</td>
                <td className="actions">
                  <button onClick={() => void open(a)} disabled={opening === a.id || !a.subject}>{opening === a.id ? 'Opening…' : 'Open on canvas'}</button>
                  {a.status !== 'ESCALATED' && a.status !== 'CLOSED' && <button onClick={() => void change(a, { status: 'ESCALATED' })}>Escalate</button>}
                  {a.status !== 'CLOSED' && <button onClick={() => void change(a, { status: 'CLOSED', closeReason: 'FALSE_POSITIVE' })}>Close: false positive</button>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {loading && <div className="loading">Loading alerts…</div>}
      {!loading && !alerts.length && <p>No alerts in these statuses.</p>}
      {hasMore && !loading && <button onClick={() => void more()}>Load 50 more</button>}
    </div>
  );
}
