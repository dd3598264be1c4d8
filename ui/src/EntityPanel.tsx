// The entity panel: properties with their sources (who says so, when), identifiers, the
// resolved entity with the match evidence and same/different buttons, transactions (sortable,
// paged, CSV), a timeline of activity, and risk signals whose evidence can be shown on the canvas.
import { useEffect, useMemo, useState } from 'react';
import { ApiError, call } from './api';
import { usePaged } from './paged';
import { download } from './download';
import { EntityQuery, EntityResolutionQuery, EntityRiskQuery, JudgeMatchMutation, TimelineQuery, TransactionsQuery } from './queries';
import type { Me } from './App';
import { formatAmount, formatTime, toCSV, typeStyle, type EntityType } from './model';
import type { EntityQuery as EntityData, EntityResolutionQuery as ResolutionData, EntityRiskQuery as RiskData, TransactionsQuery as TxData, TimelineQuery as TimelineData } from './gql/graphql';

type Tab = 'properties' | 'risk' | 'resolution' | 'transactions' | 'timeline';

interface Props {
  id: string;
  me: Me;
  /** Puts nodes on the canvas and highlights some (a signal's evidence). */
  onShow(ids: string[], highlight: string[]): void;
}

export function EntityPanel({ id, me, onShow }: Props) {
  const analyst = me.role !== 'PARTNER';
  const [tab, setTab] = useState<Tab>('properties');
  const [entity, setEntity] = useState<EntityData['entity'] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setEntity(null);
    setError(null);
    call(EntityQuery, { id })
      .then((d) => live && setEntity(d.entity))
      .catch((e) => live && setError(e instanceof ApiError ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [id]);

  if (error) return <div role="alert" className="error">{error}</div>;
  if (!entity) return <div className="loading" aria-busy="true">Loading {id}…</div>;
  const n = entity.node;
  const st = typeStyle[n.type as EntityType];
  const money = ['BANK_ACCOUNT', 'CRYPTO_WALLET', 'PERSON', 'COMPANY', 'ORGANIZATION', 'MERCHANT'].includes(n.type);
  const tabs: [Tab, string, boolean][] = [
    ['properties', 'Properties', true],
    ['risk', 'Risk', analyst],
    ['resolution', 'Same person?', analyst && ['PERSON', 'COMPANY', 'ORGANIZATION', 'USER_ACCOUNT'].includes(n.type)],
    ['transactions', 'Transactions', money],
    ['timeline', 'Timeline', true],
  ];
  return (
    <div className="entity" data-testid="entity-panel">
      <h2>
        <span className="icon" style={{ background: st.color }}>{st.icon}</span> {n.caption}
      </h2>
      <div className="sub">
        {st.label} · <code>{n.id}</code>
      </div>
      <div role="tablist" className="tabs">
        {tabs.filter(([, , on]) => on).map(([t, label]) => (
          <button key={t} role="tab" aria-selected={tab === t} className={tab === t ? 'active' : ''} onClick={() => setTab(t)}>
            {label}
          </button>
        ))}
      </div>
      {tab === 'properties' && <Properties entity={entity} onShow={onShow} />}
      {tab === 'risk' && <Risk id={id} onShow={onShow} />}
      {tab === 'resolution' && <Resolution id={id} onShow={onShow} />}
      {tab === 'transactions' && <Transactions id={id} />}
      {tab === 'timeline' && <TimelineChart id={id} />}
    </div>
  );
}

function Properties({ entity, onShow }: { entity: EntityData['entity']; onShow: Props['onShow'] }) {
  const props = entity.node.properties as Record<string, unknown>;
  // Which sources say each property.
  const sources = useMemo(() => {
    const m: Record<string, string[]> = {};
    for (const p of entity.provenance) for (const k of p.properties) (m[k] ??= []).push(`${p.partner}/${p.dataset}`);
    return m;
  }, [entity]);
  return (
    <>
      <table className="props" aria-label="Properties">
        <tbody>
          {Object.entries(props)
            .filter(([k]) => !['id'].includes(k))
            .map(([k, v]) => (
              <tr key={k}>
                <th>{k}</th>
                <td>{typeof v === 'object' ? JSON.stringify(v) : String(v)}</td>
                <td className="src">{(sources[k] ?? []).join(', ')}</td>
              </tr>
            ))}
        </tbody>
      </table>
      <h3>Sources (who says so)</h3>
      <table className="prov" aria-label="Sources">
        <thead>
          <tr><th>partner</th><th>dataset / file</th><th>record</th><th>first seen</th><th>last seen</th></tr>
        </thead>
        <tbody>
          {entity.provenance.map((p) => (
            <tr key={p.sourceId}>
              <td>{p.partner}</td>
              <td>{p.dataset}{p.file ? ` / ${p.file}` : ''}</td>
              <td>{p.refs.slice(0, 3).join(', ')}{p.refs.length > 3 ? ` +${p.refs.length - 3}` : ''}</td>
              <td>{formatTime(p.firstSeen)}</td>
              <td>{formatTime(p.lastSeen)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {entity.identifiers.length > 0 && (
        <>
          <h3>Identifiers</h3>
          <ul className="idents">
            {entity.identifiers.map((i) => (
              <li key={i.id}>
                <button className="link" onClick={() => onShow([entity.node.id, i.id], [i.id])}>
                  {typeStyle[i.type as EntityType]?.label}: {i.caption}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      <h3>Links</h3>
      <p className="degree">{entity.degree.map((d) => `${d.type.toLowerCase().replaceAll('_', ' ')} ${d.count}`).join(' · ') || 'none'}</p>
    </>
  );
}

function useLoad<T>(f: () => Promise<T>, deps: unknown[]): { data: T | null; error: string | null; reload(): void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    setError(null);
    f()
      .then((d) => live && setData(d))
      .catch((e) => live && setError(e instanceof ApiError ? e.message : String(e)));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, n]);
  return { data, error, reload: () => setN((x) => x + 1) };
}

function Risk({ id, onShow }: { id: string; onShow: Props['onShow'] }) {
  const { data, error } = useLoad<RiskData>(() => call(EntityRiskQuery, { id }), [id]);
  if (error) return <div role="alert" className="error">{error}</div>;
  if (!data) return <div className="loading">Loading risk…</div>;
  const r = data.entity.node.risk;
  if (!r) return <p>No risk signals for this entity.</p>;
  return (
    <div className="risk" data-testid="risk">
      <p>
        <strong className={r.alert ? 'alert' : ''}>Risk {r.risk.toFixed(2)}</strong>
        {r.alertReason ? ` · ${r.alertReason}` : ' · under the alert threshold'}
      </p>
      <table aria-label="Risk breakdown">
        <thead><tr><th>rule</th><th>weight</th><th>strength</th><th>contribution</th></tr></thead>
        <tbody>
          {r.breakdown.map((b) => (
            <tr key={b.rule} className={b.weak ? 'weak' : ''}>
              <td>{b.rule}{b.weak ? ' (weak)' : ''}</td>
              <td>{b.weight.toFixed(2)}</td>
              <td>{b.strength.toFixed(2)}</td>
              <td><span className="bar" style={{ width: `${Math.round(b.contribution * 100)}%` }} /> {b.contribution.toFixed(2)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Signals</h3>
      <ul className="signals">
        {r.signals.map((s) => {
          const ids = [...new Set([id, ...s.entities.filter(Boolean).map((e) => e!.id), ...s.transactionIds.slice(0, 50)])];
          return (
            <li key={s.id}>
              <div><strong>{s.rule}</strong> <span className="muted">{s.indicator}</span></div>
              <div>{s.summary}</div>
              <button className="link" onClick={() => onShow(ids, ids)}>Show the evidence on the canvas ({ids.length})</button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function Resolution({ id, onShow }: { id: string; onShow: Props['onShow'] }) {
  const { data, error, reload } = useLoad<ResolutionData>(() => call(EntityResolutionQuery, { id }), [id]);
  const [msg, setMsg] = useState<string | null>(null);
  if (error) return <div role="alert" className="error">{error}</div>;
  if (!data) return <div className="loading">Loading matches…</div>;
  const re = data.entity.resolvedEntity;
  const judge = async (a: string, b: string, verdict: 'SAME' | 'DIFFERENT' | 'UNSURE') => {
    setMsg(null);
    try {
      await call(JudgeMatchMutation, { a, b, verdict }, true);
      setMsg(`Recorded: ${verdict.toLowerCase()}.`);
      reload();
    } catch (e) {
      setMsg(e instanceof ApiError ? e.message : String(e));
    }
  };
  return (
    <div className="resolution">
      {re ? (
        <p>
          Resolved as <strong>{re.name}</strong> ({re.size} records){' '}
          <button className="link" onClick={() => onShow(re.members.map((m) => m.id), re.members.map((m) => m.id))}>show on canvas</button>
        </p>
      ) : (
        <p>No other record is resolved to this one.</p>
      )}
      {msg && <p role="status">{msg}</p>}
      {data.entity.matches.map((m) => (
        <div key={`${m.a.id}|${m.b.id}`} className="match">
          <div>
            <strong>{m.a.caption}</strong> ↔ <strong>{m.b.caption}</strong> · {m.status.toLowerCase()} · p={m.probability.toFixed(3)}
            {m.reason ? ` · ${m.reason}` : ''}
            {m.judgement ? ` · judged ${m.judgement.verdict.toLowerCase()} by ${m.judgement.by}` : ''}
          </div>
          <table aria-label="Match evidence">
            <tbody>
              {m.evidence.map((e) => (
                <tr key={e.field}><td>{e.field}</td><td>{e.level}</td><td>{e.weight.toFixed(1)} bits</td><td>{e.detail ?? ''}</td></tr>
              ))}
            </tbody>
          </table>
          <button onClick={() => void judge(m.a.id, m.b.id, 'SAME')}>Same</button>
          <button onClick={() => void judge(m.a.id, m.b.id, 'DIFFERENT')}>Different</button>
          <button onClick={() => void judge(m.a.id, m.b.id, 'UNSURE')}>Unsure</button>
        </div>
      ))}
    </div>
  );
}

type TxRow = TxData['transactions']['rows'][number];

function Transactions({ id }: { id: string }) {
  const { items: rows, loading, error, hasMore, more } = usePaged<TxRow>(async (after) => {
    const d = await call(TransactionsQuery, { account: id, first: 50, after });
    return { items: d.transactions.rows, next: d.transactions.pageInfo.hasNextPage ? d.transactions.pageInfo.endCursor ?? null : null };
  }, [id]);
  const [sort, setSort] = useState<{ key: 'time' | 'amount' | 'from' | 'to'; desc: boolean }>({ key: 'time', desc: true });

  const sorted = useMemo(() => {
    const key = (r: TxRow): string | number =>
      sort.key === 'amount' ? r.amount : sort.key === 'from' ? r.from.caption : sort.key === 'to' ? r.to.caption : r.timestamp ?? '';
    return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0) * (sort.desc ? -1 : 1));
  }, [rows, sort]);
  const th = (k: typeof sort.key, label: string) => (
    <th aria-sort={sort.key === k ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
      <button className="link" onClick={() => setSort({ key: k, desc: sort.key === k ? !sort.desc : true })}>
        {label}{sort.key === k ? (sort.desc ? ' ▼' : ' ▲') : ''}
      </button>
    </th>
  );
  const csv = () =>
    download(`transactions-${id.replace(/[^\w.-]+/g, '_')}.csv`,
      toCSV(['time', 'from', 'to', 'amount_minor', 'currency', 'reference', 'transaction'],
        sorted.map((r) => [r.timestamp, r.from.id, r.to.id, r.amount, r.currency, String(r.transaction.properties['reference'] ?? ''), r.transaction.id])), 'text/csv');

  if (error) return <div role="alert" className="error">{error}</div>;
  return (
    <div className="txs">
      <div className="row">
        <span>{rows.length} shown{hasMore ? ' (more available)' : ''}</span>
        <button onClick={csv} disabled={!rows.length}>Export CSV</button>
      </div>
      <table aria-label="Transactions">
        <thead><tr>{th('time', 'time')}{th('from', 'from')}{th('to', 'to')}{th('amount', 'amount')}<th>reference</th></tr></thead>
        <tbody>
          {sorted.map((r) => (
            <tr key={r.transaction.id}>
              <td>{formatTime(r.timestamp)}</td>
              <td>{r.from.caption}</td>
              <td>{r.to.caption}</td>
              <td className="num">{formatAmount(r.amount, r.currency)}</td>
              <td>{String(r.transaction.properties['reference'] ?? '')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {loading ? <div className="loading">Loading…</div> : hasMore && <button onClick={() => void more()}>Load 50 more</button>}
      {!loading && !rows.length && <p>No transactions.</p>}
    </div>
  );
}

function TimelineChart({ id }: { id: string }) {
  const { data, error } = useLoad<TimelineData>(() => call(TimelineQuery, { id, period: 'WEEK' }), [id]);
  if (error) return <div role="alert" className="error">{error}</div>;
  if (!data) return <div className="loading">Loading the timeline…</div>;
  const b = data.timeline.buckets;
  if (!b.length) return <p>No dated activity.</p>;
  const max = Math.max(...b.map((x) => x.events));
  const w = 320;
  const h = 120;
  const bw = Math.max(2, Math.floor(w / b.length) - 1);
  return (
    <figure className="timeline">
      <svg width={w} height={h + 20} role="img" aria-label="Activity per week">
        {b.map((x, i) => {
          const bh = Math.max(1, Math.round((x.events / max) * h));
          return (
            <rect key={x.start} x={i * (bw + 1)} y={h - bh} width={bw} height={bh} fill="#2563eb">
              <title>{`${x.start.slice(0, 10)}: ${x.events} events ${x.amounts.map((a) => `in ${formatAmount(a.in, a.currency)} out ${formatAmount(a.out, a.currency)}`).join('; ')}`}</title>
            </rect>
          );
        })}
        <text x={0} y={h + 14} fontSize={10}>{b[0].start.slice(0, 10)}</text>
        <text x={w} y={h + 14} fontSize={10} textAnchor="end">{b[b.length - 1].start.slice(0, 10)}</text>
      </svg>
      <figcaption>Events per week (hover a bar for amounts in and out).</figcaption>
    </figure>
  );
}
