// Which of a live document's updates have reached the update log.
//
// Hocuspocus applies a client's update, and so broadcasts it to the document's other clients, as
// soon as `beforeHandleMessage` returns. The durability hook starts the append there without
// waiting for it, so fan-out never waits on a PostgreSQL commit. Only what tells somebody an edit
// is saved waits here:
// - the SyncStatus acknowledgement to the sender (durable-socket.ts), and
// - a relay of the document's content to another instance (redis-relay.ts).
// Both wait for every append started for the document before them, not just their own: an edit
// typed on top of another client's edit is useless without it, and a "nothing new" step 2 is
// acknowledged against content that may still be on its way to the log.
//
// An append that fails leaves content in memory that the log lacks. The document is then
// discarded: nothing waiting here is ever released, and the durability hook closes every socket of
// the document (4503), so its clients reconnect to a copy loaded from the database and re-send
// what it lacks.
//
// Bookkeeping is by sequence number rather than a chain of promises: this runs for every update
// and every acknowledgement, and a chain cost four promises per update plus one per waiter, most
// of them for acknowledgements whose appends had long committed (then sent at once, below).

interface Waiter {
  /** Released once every append with a sequence number up to this one has committed. */
  through: number;
  release: () => void;
  fail: (error: unknown) => void;
}

const RESOLVED: Promise<void> = Promise.resolve();

export class DocumentDurability {
  /** Sequence number of the last append tracked. */
  private tracked = 0;
  /** Every append with a sequence number up to this one has committed. */
  private durableThrough = 0;
  /** Committed appends past `durableThrough + 1` (a later batch can commit first). */
  private readonly committedAhead = new Set<number>();
  private inFlight = 0;
  private failure: { error: unknown } | undefined;
  /** In registration order, so `through` never decreases along the queue. */
  private waiters: Waiter[] = [];

  /** True once an append of this document failed: its memory holds content the log lacks. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Appends started and not yet settled. */
  get pending(): number {
    return this.inFlight;
  }

  /**
   * Tracks the append of an update that is about to be applied. `onFirstFailure` runs once, for
   * the first append of the document that fails.
   */
  track(append: Promise<void>, onFirstFailure: (error: unknown) => void): void {
    this.tracked += 1;
    const sequence = this.tracked;
    this.inFlight += 1;
    append.then(
      () => {
        this.inFlight -= 1;
        this.committed(sequence);
      },
      (error: unknown) => {
        this.inFlight -= 1;
        // The sockets close before anything waiting learns of the failure, as it always did.
        this.fail(error, () => onFirstFailure(error));
      },
    );
  }

  /**
   * The document's memory stops following the log for another reason than a failed append (a
   * relayed update it refused to integrate: redis-relay.ts): from now on it is treated like one.
   * False when it already was.
   */
  discard(reason: unknown): boolean {
    return this.fail(reason);
  }

  private fail(error: unknown, first?: () => void): boolean {
    if (this.failure) return false;
    this.failure = { error };
    first?.();
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.fail(error);
    return true;
  }

  /**
   * Runs `release` once every update tracked so far is committed (at once when they all are), or
   * `fail` if one of them failed (then `release` never runs: never say "saved").
   */
  onDurable(release: () => void, fail: (error: unknown) => void): void {
    if (this.failure) fail(this.failure.error);
    else if (this.durableThrough === this.tracked) release();
    else this.waiters.push({ through: this.tracked, release, fail });
  }

  /**
   * Resolves once every update tracked so far is committed, in tracking order; rejects for good
   * once one of them failed. Callers must handle the rejection (it means: never say "saved").
   */
  whenDurable(): Promise<void> {
    if (!this.failure && this.durableThrough === this.tracked) return RESOLVED;
    const promise = new Promise<void>((resolve, reject) => this.onDurable(resolve, reject));
    // A caller that only awaits still sees the rejection; none becomes an unhandled one.
    promise.catch(() => {});
    return promise;
  }

  private committed(sequence: number): void {
    if (this.failure) return;
    if (sequence !== this.durableThrough + 1) {
      this.committedAhead.add(sequence);
      return;
    }
    this.durableThrough = sequence;
    while (this.committedAhead.delete(this.durableThrough + 1)) this.durableThrough += 1;
    let released = 0;
    while (released < this.waiters.length && (this.waiters[released] as Waiter).through <= this.durableThrough)
      released += 1;
    if (released === 0) return;
    const ready = this.waiters.slice(0, released);
    this.waiters = this.waiters.slice(released);
    for (const waiter of ready) waiter.release();
  }
}
