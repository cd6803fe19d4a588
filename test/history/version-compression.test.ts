// A version's state is stored raw-deflated: large states at level 1 (the deflate runs inside the
// store that takes the version, or starts just before it), small ones at level 6; both read back
// byte for byte.
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { buildBlockSuiteDocument } from '../../src/domain/blocksuite/index.ts';
import { compressState, decompressState, FAST_DEFLATE_BYTES } from '../../src/domain/history/version-store.ts';

const stateOf = (paragraphs: number) =>
  Y.encodeStateAsUpdate(
    buildBlockSuiteDocument(
      'Compressed',
      Array.from({ length: paragraphs }, (_, i) => `paragraph ${i} with [[Label ${i % 13}]] and some words`),
    ),
  );

describe('the stored state of a version', () => {
  it('deflates a large state fast (level 1) and a small one tightly (level 6), and reads both back', async () => {
    const large = stateOf(6000);
    const small = stateOf(20);
    expect(large.length).toBeGreaterThan(FAST_DEFLATE_BYTES);
    expect(small.length).toBeLessThan(FAST_DEFLATE_BYTES);
    const storedLarge = await compressState(large);
    const storedSmall = await compressState(small);
    expect(Buffer.from(storedLarge).equals(deflateRawSync(large, { level: 1 }))).toBe(true);
    expect(Buffer.from(storedSmall).equals(deflateRawSync(small, { level: 6 }))).toBe(true);
    expect(Buffer.from(await decompressState(storedLarge, large.length)).equals(large)).toBe(true);
    expect(Buffer.from(await decompressState(storedSmall, small.length)).equals(small)).toBe(true);
  });

  it('deflates a state once: a store starts it before its transaction and awaits the same result inside', async () => {
    const state = stateOf(200);
    const started = compressState(state);
    expect(compressState(state)).toBe(started);
    expect(Buffer.from(await started).equals(deflateRawSync(state, { level: 6 }))).toBe(true);
    // Another state (another store) is deflated on its own.
    expect(compressState(stateOf(200))).not.toBe(started);
  });
});
