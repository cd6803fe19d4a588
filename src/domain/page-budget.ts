// How big one answer may grow. A page of a list or of the sync feed ends once its items pass a
// byte budget (measured as JSON), keeping at least one item, and the page says where to continue:
// a note carries its whole document, an interaction its attachments, a contact a data-URL avatar,
// so a page of a hundred could otherwise be gigabytes built in memory before the first byte goes out.

/** The default budget of one page (`SYNC_PULL_MAX_PAGE_BYTES`, `LIST_MAX_PAGE_BYTES`). */
export const DEFAULT_PAGE_BYTES = 16 * 1024 * 1024;

export class PageBudget {
  readonly maxBytes: number;
  #used = 0;
  #count = 0;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** Counts `item` in when it fits (the first one always does); false: the page ends before it. */
  admit(item: unknown): boolean {
    const size = JSON.stringify(item).length;
    if (this.#count > 0 && this.#used + size > this.maxBytes) return false;
    this.#used += size;
    this.#count += 1;
    return true;
  }

  /**
   * Whether an item known to take at least `bytes` could still fit: false ends the page before the
   * item is even loaded (a lower bound, such as the stored length of its data URLs, is enough).
   */
  couldFit(bytes: number): boolean {
    return this.#count === 0 || this.#used + bytes <= this.maxBytes;
  }

  /** What is left of the budget (0 once it is spent). */
  get remaining(): number {
    return Math.max(0, this.maxBytes - this.#used);
  }

  /**
   * The next items to load, from `start`, cut by `weight` (a lower bound of what loading an item
   * adds, such as the stored length of its data URLs): as many as what is left of the budget
   * allows, at most `maxCount`; the first only when it could still fit at all. Loading a page a
   * chunk at a time this way means a page that ends early never loads the items it leaves out.
   */
  nextChunk<T>(items: readonly T[], start: number, weight: (item: T) => number, maxCount = Infinity): T[] {
    const chunk: T[] = [];
    let bytes = 0;
    for (let index = start; index < items.length && chunk.length < maxCount; index += 1) {
      const item = items[index] as T;
      const itemBytes = weight(item);
      if (chunk.length === 0 ? !this.couldFit(itemBytes) : itemBytes > 0 && bytes + itemBytes > this.remaining) break;
      chunk.push(item);
      bytes += itemBytes;
    }
    return chunk;
  }
}
