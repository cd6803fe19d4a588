// MAX_USER_LIVE_STRUCTS accounting (update-cost.ts `createUserShares`): a user's account takes from
// their share and the process's ledger together, and says which of the two refused.
import { describe, expect, it } from 'vitest';
import {
  createLiveCostLedger,
  createUserShares,
  UserShareExhausted,
} from '../../../src/domain/documents/update-cost.ts';

describe('user shares of the process ledger', () => {
  it("refuses a user past their share (naming it) while another user's cost still fits, and gives back to both", () => {
    const ledger = createLiveCostLedger(100);
    const shares = createUserShares(60, ledger);
    const a = shares.accountOf('a');
    expect(a.take(50)).toBe(true);
    expect(a.take(20)).toBe(false);
    expect(a.refused()).toBeInstanceOf(UserShareExhausted);
    expect(a.refused().code).toBe('SERVICE_UNAVAILABLE');
    // Refused: nothing taken from either.
    expect(ledger.total).toBe(50);
    expect(shares.heldBy('a')).toBe(50);

    const b = shares.accountOf('b');
    expect(b.take(50)).toBe(true);
    // Past both: the process's budget is named.
    expect(b.take(20)).toBe(false);
    expect(b.refused()).not.toBeInstanceOf(UserShareExhausted);

    // Forced cost (relayed) counts in both; giving back frees both, and a user at 0 is forgotten.
    a.force(5);
    expect(shares.heldBy('a')).toBe(55);
    expect(ledger.total).toBe(105);
    a.give(55);
    expect(shares.heldBy('a')).toBe(0);
    expect(ledger.total).toBe(50);
    expect(a.take(60)).toBe(false);
    expect(a.refused()).not.toBeInstanceOf(UserShareExhausted);
    expect(a.take(50)).toBe(true);
  });
});
