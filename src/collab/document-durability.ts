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

export class DocumentDurability {
  private committed: Promise<void> = Promise.resolve();
  private hasFailed = false;
  private inFlight = 0;

  /** True once an append of this document failed: its memory holds content the log lacks. */
  get failed(): boolean {
    return this.hasFailed;
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
    this.inFlight += 1;
    const settled = append.then(
      () => {
        this.inFlight -= 1;
      },
      (error: unknown) => {
        this.inFlight -= 1;
        if (!this.hasFailed) {
          this.hasFailed = true;
          onFirstFailure(error);
        }
        throw error;
      },
    );
    // Handled here: once an earlier append failed, nothing chains on this one.
    settled.catch(() => {});
    this.committed = this.committed.then(() => settled);
    this.committed.catch(() => {});
  }

  /**
   * Resolves once every update tracked so far is committed, in tracking order; rejects for good
   * once one of them failed. Callers must handle the rejection (it means: never say "saved").
   */
  whenDurable(): Promise<void> {
    return this.committed;
  }
}
