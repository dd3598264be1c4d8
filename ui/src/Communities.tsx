// Communities and centrality: run a community detection over the canvas (a subgraph around its
// nodes) or the whole money-flow graph (a job with progress), or load a stored run; colour the
// canvas by community; list communities with size, flows, countries and risk; rank the most
// central facilitators.
import { useEffect, useRef, useState } from 'react';
import { ApiError, call } from './api';
import { CentralityQuery, CommunitiesQuery, CommunityRunQuery, CommunityRunsQuery, JobQuery, StartCentralityMutation, StartCommunitiesMutation } from './queries';
import type { JobQuery as JobData } from './gql/graphql';
import { formatAmount, palette, type GNode, type GraphState } from './model';
import type { CommunitiesQuery as CommunitiesData, CommunityAlgorithm, CentralityAlgorithm, CommunityRunsQuery as RunsData, CentralityQuery as CentralityData } from './gql/graphql';

type Result = CommunitiesData['communities'];
type Scope = 'CANVAS' | 'MONEY_FLOW';

interface Props {
  graph: GraphState;
  /** Colours the canvas by community (node id → community index), or clears it (null). */
  onColour(groups: Record<string, number> | null): void;
  /** Puts nodes on the canvas, highlighted. */
  onShow(nodes: GNode[], highlight: string[]): void;
}

export function CommunitiesPanel({ graph, onColour, onShow }: Props) {
  const [algorithm, setAlgorithm] = useState<CommunityAlgorithm>('LOUVAIN');
  const [scope, setScope] = useState<Scope>('CANVAS');
  const [result, setResult] = useState<Result | null>(null);
  const [runs, setRuns] = useState<RunsData['communityRuns']['nodes']>([]);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [central, setCentral] = useState<CentralityData['centrality'] | null>(null);
  const [calgo, setCalgo] = useState<CentralityAlgorithm>('PAGERANK');
  const cancelled = useRef(false);

  useEffect(() => {
    cancelled.current = false;
    call(CommunityRunsQuery, {}).then((d) => setRuns(d.communityRuns.nodes)).catch(() => undefined);
    return () => {
      cancelled.current = true;
    };
  }, []);

  // Payments are relationships to the algorithms (they run over entities): leave them out.
  const ids = Object.values(graph.nodes).filter((n) => n.type !== 'TRANSACTION' && !graph.hidden.includes(n.id)).map((n) => n.id);
  const scopeInput = () =>
    scope === 'CANVAS' ? { kind: 'SUBGRAPH' as const, ids: ids.slice(0, 1000), hops: 1 } : { kind: 'MONEY_FLOW' as const };

  const show = (r: Result) => {
    setResult(r);
    const groups: Record<string, number> = {};
    r.communities.forEach((c, i) => c.members.forEach((m) => (groups[m.id] = i)));
    onColour(groups);
  };

  const runIt = async () => {
    setBusy(true);
    setError(null);
    setProgress(null);
    try {
      const input = { algorithm, scope: scopeInput(), store: true, top: 50, membersPerCommunity: 50, minSize: 2 };
      if (scope === 'CANVAS') {
        show((await call(CommunitiesQuery, { input })).communities);
      } else {
        // The whole money-flow graph runs as a job.
        const j = await poll((await call(StartCommunitiesMutation, { input }, true)).startCommunities.id);
        if (j?.communities) show(j.communities);
      }
      call(CommunityRunsQuery, {}).then((d) => setRuns(d.communityRuns.nodes)).catch(() => undefined);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
      setProgress(null);
    }
  };


  /** Polls a background job, showing its progress, until it ends; its result, or null if cancelled. */
  const poll = async (id: string): Promise<JobData['job'] | null> => {
    setProgress(0);
    for (;;) {
      if (cancelled.current) return null;
      const j = (await call(JobQuery, { id })).job;
      setProgress(j.progress);
      if (j.state === 'SUCCEEDED') return j;
      if (j.state === 'FAILED' || j.state === 'CANCELLED') throw new ApiError(j.error ?? `The analysis ${j.state.toLowerCase()}.`, j.state);
      await new Promise((r) => setTimeout(r, 700));
    }
  };

  const load = async (id: string) => {
    setBusy(true);
    setError(null);
    try {
      show((await call(CommunityRunQuery, { id })).communityRun);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  const rank = async () => {
    setBusy(true);
    setError(null);
    try {
      const input = { algorithm: calgo, scope: scopeInput(), first: 20 };
      if (scope === 'CANVAS') setCentral((await call(CentralityQuery, { input })).centrality);
      else {
        const j = await poll((await call(StartCentralityMutation, { input }, true)).startCentrality.id);
        if (j?.centrality) setCentral(j.centrality);
      }
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
      setProgress(null);
    }
  };

  return (
    <div className="communities" data-testid="communities-panel">
      <h2>Communities</h2>
      <label>
        Over
        <select aria-label="Scope" value={scope} onChange={(e) => setScope(e.target.value as Scope)}>
          <option value="CANVAS">the canvas and one hop around it ({ids.length} nodes)</option>
          <option value="MONEY_FLOW">the whole money-flow graph (a background job)</option>
        </select>
      </label>
      <label>
        Algorithm
        <select aria-label="Algorithm" value={algorithm} onChange={(e) => setAlgorithm(e.target.value as CommunityAlgorithm)}>
          <option value="LOUVAIN">Louvain</option>
          <option value="LEIDEN">Leiden</option>
          <option value="WCC">connected components</option>
          <option value="LABEL_PROPAGATION">label propagation</option>
        </select>
      </label>
      <div className="row">
        <button onClick={() => void runIt()} disabled={busy || (scope === 'CANVAS' && !ids.length)}>{busy ? 'Running…' : 'Find communities'}</button>
        <button onClick={() => { setResult(null); onColour(null); }} disabled={!result}>Clear colours</button>
      </div>
      {progress != null && (
        <div className="progress" role="progressbar" aria-valuenow={Math.round(progress * 100)} aria-valuemin={0} aria-valuemax={100}>
          <span style={{ width: `${Math.round(progress * 100)}%` }} /> {Math.round(progress * 100)} %
        </div>
      )}
      {error && <div role="alert" className="error">{error}</div>}
      {runs.length > 0 && (
        <label>
          Stored runs
          <select aria-label="Stored runs" value="" onChange={(e) => e.target.value && void load(e.target.value)}>
            <option value="">load a stored run…</option>
            {runs.map((r) => (
              <option key={r.id} value={r.id}>
                {r.createdAt.slice(0, 16).replace('T', ' ')} · {r.algorithm.toLowerCase()} · {r.scope.kind.toLowerCase().replace('_', ' ')} · {r.count} communities
              </option>
            ))}
          </select>
        </label>
      )}
      {result && (
        <>
          <p className="muted">
            {result.run.count} communities over {result.run.nodes} nodes, modularity {result.run.modularity.toFixed(3)}, {Math.round(result.run.elapsedMs)} ms.
          </p>
          <table aria-label="Communities">
            <thead><tr><th /><th>size</th><th>money in / out</th><th>countries</th><th>risk</th><th /></tr></thead>
            <tbody>
              {result.communities.map((c, i) => (
                <tr key={String(c.id)}>
                  <td><i className="swatch" style={{ background: palette[i % palette.length] }} /></td>
                  <td className="num">{c.size}</td>
                  <td>{c.flows.slice(0, 2).map((f) => `${formatAmount(f.in, f.currency)} / ${formatAmount(f.out, f.currency)}`).join('; ')}</td>
                  <td>{c.countries.slice(0, 3).map((x) => `${x.country} ${x.count}`).join(', ')}</td>
                  <td className="num">{Math.round(c.riskShare * 100)} %</td>
                  <td><button className="link" onClick={() => onShow(c.members as GNode[], c.members.map((m) => m.id))}>show</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <h2>Central facilitators</h2>
      <div className="row">
        <select aria-label="Centrality" value={calgo} onChange={(e) => setCalgo(e.target.value as CentralityAlgorithm)}>
          <option value="PAGERANK">PageRank</option>
          <option value="BETWEENNESS">betweenness</option>
          <option value="DEGREE">degree</option>
        </select>
        <button onClick={() => void rank()} disabled={busy || (scope === 'CANVAS' && !ids.length)}>Rank</button>
      </div>
      {central && (
        <ol className="ranked" aria-label="Most central">
          {central.ranked.map((r) => (
            <li key={r.node.id}>
              <button className="link" onClick={() => onShow([r.node as GNode], [r.node.id])}>{r.node.caption}</button> <span className="muted">{r.score.toFixed(3)}</span>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
