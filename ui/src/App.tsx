// The shell: sign in with an API key (kept for this browser tab only), then the investigator's
// views. The role decides what is shown: partner keys see no risk, alerts or cases.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, call, connect, disconnect } from './api';
import { MeQuery } from './queries';
import { Explore, type ExploreHandle, type Focus } from './Explore';
import { CasesView } from './Cases';
import { AlertsView } from './Alerts';

export interface Me {
  keyId: string;
  name: string;
  role: 'ADMIN' | 'ANALYST' | 'PARTNER';
  partner?: string | null;
}

const storageKey = 'crosslink.apiKey';

export function App() {
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState(() => !!sessionStorage.getItem(storageKey));
  const [error, setError] = useState<string | null>(null);
  const [view, setView] = useState<'explore' | 'alerts' | 'cases'>('explore');
  const [focus, setFocus] = useState<Focus | null>(null);
  const [currentCase, setCurrentCase] = useState<{ id: string; title: string } | null>(null);
  const explore = useRef<ExploreHandle | null>(null);

  const signIn = useCallback(async (key: string) => {
    setChecking(true);
    setError(null);
    connect(key);
    try {
      const d = await call(MeQuery, {});
      sessionStorage.setItem(storageKey, key);
      setMe(d.me as Me);
    } catch (e) {
      disconnect();
      sessionStorage.removeItem(storageKey);
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setChecking(false);
    }
  }, []);

  useEffect(() => {
    const k = sessionStorage.getItem(storageKey);
    if (k) void signIn(k);
  }, [signIn]);

  const signOut = () => {
    sessionStorage.removeItem(storageKey);
    disconnect();
    setMe(null);
  };

  if (!me) return <SignIn onSubmit={signIn} busy={checking} error={error} />;
  const analyst = me.role !== 'PARTNER';
  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">Crosslink</span>
        <nav role="tablist" aria-label="Views">
          <button role="tab" aria-selected={view === 'explore'} className={view === 'explore' ? 'active' : ''} onClick={() => setView('explore')}>
            Explore
          </button>
          {analyst && (
            <button role="tab" aria-selected={view === 'alerts'} className={view === 'alerts' ? 'active' : ''} onClick={() => setView('alerts')}>
              Alerts
            </button>
          )}
          {analyst && (
            <button role="tab" aria-selected={view === 'cases'} className={view === 'cases' ? 'active' : ''} onClick={() => setView('cases')}>
              Cases
            </button>
          )}
        </nav>
        <span className="who" data-testid="who">
          {me.name} · {me.role.toLowerCase()}
          {me.partner ? ` (${me.partner})` : ''}
        </span>
        <button onClick={signOut}>Sign out</button>
      </header>
      <main className="main">
        <div hidden={view !== 'explore'} className="view">
          <Explore me={me} focus={focus} handle={explore} currentCase={currentCase} />
        </div>
        {analyst && view === 'alerts' && (
          <div className="view">
            <AlertsView
              onOpen={(nodes, highlight) => {
                setFocus({ nodes, highlight, seq: Date.now() });
                setView('explore');
              }}
            />
          </div>
        )}
        {analyst && view === 'cases' && (
          <div className="view">
            <CasesView
              current={currentCase?.id ?? null}
              onCurrent={(id, title) => setCurrentCase(id && title ? { id, title } : null)}
              view={() => explore.current?.view() ?? { nodeIds: [], edgeIds: [], positions: {}, png: null }}
              onOpen={(nodes, positions) => {
                setFocus({ nodes, highlight: [], seq: Date.now(), positions });
                setView('explore');
              }}
            />
          </div>
        )}
      </main>
    </div>
  );
}

function SignIn({ onSubmit, busy, error }: { onSubmit(key: string): void; busy: boolean; error: string | null }) {
  const [key, setKey] = useState('');
  return (
    <div className="signin">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (key.trim()) onSubmit(key.trim());
        }}
      >
        <h1>Crosslink</h1>
        <p>Follow the money across banks, platforms and hotline reports.</p>
        <label htmlFor="apikey">API key</label>
        <input id="apikey" type="password" autoComplete="off" autoFocus value={key} onChange={(e) => setKey(e.target.value)} placeholder="cl_…" />
        <button type="submit" disabled={busy || !key.trim()}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <p className="hint">
          Keys come from <code>crosslink keys create --role analyst</code>; <code>make run</code> prints the demo keys.
        </p>
      </form>
    </div>
  );
}
