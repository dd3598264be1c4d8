// The GraphQL client: urql's core client with the API key as a bearer token. Every call
// resolves to data or throws an ApiError with the server's extensions.code and a message a
// person can act on (never a stack trace).
import { Client, fetchExchange, type AnyVariables, type TypedDocumentNode } from '@urql/core';

export class ApiError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
  }
}

let client: Client | null = null;

export function connect(key: string): void {
  client = new Client({
    url: '/graphql',
    exchanges: [fetchExchange],
    requestPolicy: 'network-only',
    fetchOptions: () => ({ headers: { Authorization: `Bearer ${key}` } }),
  });
}

export function disconnect(): void {
  client = null;
}

const friendly: Record<string, string> = {
  UNAUTHENTICATED: 'The API key was refused: it is unknown, revoked or expired. Sign in again.',
  FORBIDDEN: 'Your role may not do this.',
  TIMEOUT: 'The request took too long; narrow it (fewer hops, a shorter period) and try again.',
  UNAVAILABLE: 'The database is not available right now; try again in a moment.',
};

/** Runs a query or mutation and returns its data, or throws an ApiError. */
export async function call<D, V extends AnyVariables>(doc: TypedDocumentNode<D, V>, vars: V, mutation = false): Promise<D> {
  if (!client) throw new ApiError('Not signed in.', 'UNAUTHENTICATED');
  const res = mutation ? await client.mutation(doc, vars).toPromise() : await client.query(doc, vars).toPromise();
  if (res.error) {
    const g = res.error.graphQLErrors[0];
    if (g) {
      const code = String(g.extensions?.['code'] ?? 'ERROR');
      throw new ApiError(friendly[code] && code !== 'FORBIDDEN' ? friendly[code] : g.message, code);
    }
    const status = (res.error.response as Response | undefined)?.status;
    if (status === 401) throw new ApiError(friendly.UNAUTHENTICATED, 'UNAUTHENTICATED');
    if (status === 503) throw new ApiError(friendly.UNAVAILABLE, 'UNAVAILABLE');
    throw new ApiError(`The server could not be reached (${res.error.networkError?.message ?? 'network error'}).`, 'NETWORK');
  }
  return res.data as D;
}

/** Runs f over slices of at most `size` items, `parallel` at a time, and concatenates the results. */
export async function chunked<T, R>(items: T[], size: number, parallel: number, f: (part: T[]) => Promise<R[]>): Promise<R[]> {
  const parts: T[][] = [];
  for (let i = 0; i < items.length; i += size) parts.push(items.slice(i, i + size));
  const out: R[][] = new Array(parts.length);
  let next = 0;
  const worker = async () => {
    while (next < parts.length) {
      const i = next++;
      out[i] = await f(parts[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, parts.length) }, worker));
  return out.flat();
}
