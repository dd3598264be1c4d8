import { describe, expect, it } from 'vitest';
import { steps } from './MoneyPanel';

describe('steps', () => {
  it('reads a money trail as parties with the amount and date of each payment between them', () => {
    const node = (id: string, type: string, caption: string) => ({ id, type, caption, properties: {} }) as never;
    const got = steps({
      nodes: [node('a', 'BANK_ACCOUNT', 'GB-1'), node('t1', 'TRANSACTION', 'TX1'), node('b', 'BANK_ACCOUNT', 'PH-2'), node('t2', 'TRANSACTION', 'TX2'), node('c', 'CRYPTO_WALLET', 'bc1q')],
      amounts: [150000, 149000],
      currencies: ['GBP', 'GBP'],
      times: ['2026-03-01T10:00:00Z', '2026-03-02T09:00:00Z'],
    });
    expect(got).toEqual([
      { caption: 'GB-1', amount: '', date: '' },
      { caption: 'PH-2', amount: 'GBP 1,500.00', date: '2026-03-01' },
      { caption: 'bc1q', amount: 'GBP 1,490.00', date: '2026-03-02' },
    ]);
  });
  it('shows a path without payments as its nodes', () => {
    const node = (id: string, type: string) => ({ id, type, caption: id, properties: {} }) as never;
    expect(steps({ nodes: [node('p', 'PERSON'), node('e', 'EMAIL'), node('u', 'USER_ACCOUNT')], amounts: [], currencies: [], times: [] }).map((s) => s.caption)).toEqual(['p', 'e', 'u']);
  });
});
