// A paged list read through the API: the first page when its inputs change, "more" appends the
// next one, and loading and error states for the view to show.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from './api';

export interface Page<T> {
  items: T[];
  /** The cursor of the next page, or null at the end. */
  next: string | null;
}

export function usePaged<T>(fetchPage: (after: string | null) => Promise<Page<T>>, deps: unknown[]) {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;
  const seq = useRef(0);

  const load = useCallback(async (after: string | null) => {
    const my = ++seq.current;
    setLoading(true);
    setError(null);
    try {
      const p = await fetchRef.current(after);
      if (my !== seq.current) return;
      setItems((cur) => (after ? [...cur, ...p.items] : p.items));
      setCursor(p.next);
    } catch (e) {
      if (my === seq.current) setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      if (my === seq.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load(null);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);

  return { items, setItems, loading, error, setError, hasMore: cursor != null, more: () => load(cursor), reload: () => load(null) };
}
