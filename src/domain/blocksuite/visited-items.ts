import type * as Y from 'yjs';

/**
 * A set of Yjs items as one bitset per client, indexed by clock. Marking a block visited is the
 * one lookup the walk does per block besides finding it; a hash set of 100k entries falls out
 * of the CPU caches, a bitset over the same clocks stays small and is hit in document order.
 */
export class VisitedItems {
  #bitsByClient = new Map<number, Uint32Array>();
  #lastClient = Number.NaN;
  #lastBits: Uint32Array = new Uint32Array(0);

  /** Marks the item; false if it was marked already. */
  add(item: Y.Item): boolean {
    const { client, clock } = item.id;
    const word = clock >>> 5;
    const bits = this.#bitsFor(client, word);
    const mask = 1 << (clock & 31);
    const current = bits[word] ?? 0;
    if ((current & mask) !== 0) return false;
    bits[word] = current | mask;
    return true;
  }

  #bitsFor(client: number, word: number): Uint32Array {
    let bits = client === this.#lastClient ? this.#lastBits : this.#bitsByClient.get(client);
    if (bits === undefined || bits.length <= word) {
      // Doubling keeps growth amortized linear in the highest clock seen.
      const grown = new Uint32Array(Math.max(64, (word + 1) * 2));
      if (bits !== undefined) grown.set(bits);
      bits = grown;
      this.#bitsByClient.set(client, bits);
    }
    this.#lastClient = client;
    this.#lastBits = bits;
    return bits;
  }
}
