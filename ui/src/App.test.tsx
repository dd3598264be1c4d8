import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { App } from './App';

// jsdom has no canvas: the graph drawing is exercised in Chromium by the end-to-end tests.
vi.mock('./Canvas', async () => {
  const { forwardRef } = await import('react');
  return { Canvas: forwardRef(function Canvas() { return <div data-testid="canvas" />; }) };
});

function answer(body: unknown, status = 200) {
  return Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

describe('sign in', () => {
  it('shows the refusal in words a person can act on, and keeps no key', async () => {
    vi.stubGlobal('fetch', vi.fn(() => answer({ errors: [{ message: 'invalid API key', extensions: { code: 'UNAUTHENTICATED' } }] }, 401)));
    render(<App />);
    fireEvent.change(screen.getByLabelText('API key'), { target: { value: 'cl_wrong' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/refused/);
    expect(sessionStorage.getItem('crosslink.apiKey')).toBeNull();
  });

  it('signs in, sends the key as a bearer token and shows the role', async () => {
    const fetch = vi.fn((_url: string, _init: RequestInit) => answer({ data: { me: { keyId: 'k1', name: 'ana', role: 'PARTNER', partner: 'demo-bank' } } }));
    vi.stubGlobal('fetch', fetch);
    render(<App />);
    fireEvent.change(screen.getByLabelText('API key'), { target: { value: 'cl_good' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByTestId('who')).textContent).toBe('ana · partner (demo-bank)');
    const headers = new Headers(fetch.mock.calls[0][1].headers);
    expect(headers.get('Authorization')).toBe('Bearer cl_good');
    // Partners see no alert queue (detection joins every partner's data).
    expect(screen.queryByRole('tab', { name: 'Alerts' })).toBeNull();
    expect(screen.getByRole('tab', { name: 'Explore' })).toBeTruthy();
  });
});
