// One user must not stall the others (docs/security.md, "Heavy updates"). Node reads every ready
// socket in one poll phase, and Hocuspocus applies a frame within the callback that read it: four
// sockets each carrying an update of 50 000 structs (within MAX_UPDATE_STRUCTS) were four applies
// of ~150 ms back to back, plus the garbage collections they forced, before any timer, health
// check or other user's edit got a turn (docs/benchmarks.md, "stall").
//
// So an update whose cost (update-cost.ts, counted before anything is built) reaches
// HEAVY_UPDATE_COST is not handed to Hocuspocus in the callback that read it: it waits in one
// process-wide FIFO, and at most one such update is applied per event-loop turn (setImmediate
// between two), so everything else that became ready meanwhile runs between them. Light frames
// (typing, awareness, acknowledgements) pass at once, unless their socket has a heavy frame
// waiting: Hocuspocus applies a socket's messages in the order received, and so must we, so a
// socket's later frames queue behind its heavy one and follow it in the same turn (up to the
// next heavy one, which takes a turn of its own). The FIFO serves sockets in the order their heavy
// frame arrived, so a user with many sockets gets many turns, each after everybody queued before.
//
// What this bounds is one apply per turn; the apply itself stays synchronous (Yjs has no other
// way), so MAX_UPDATE_STRUCTS is what bounds the length of one turn.
//
// Frames that wait are held in memory, which handling a frame in the callback that read it never
// did: a socket behind a heavy frame could otherwise pile up message after message (each up to
// MAX_MESSAGE_BYTES, as fast as the message rate allows) while other sockets' heavy frames take
// their turns. So each lane holds at most `maxWaitingBytes`; a frame past it is refused and the
// socket is closed by the caller.

/** Cost (structs + delete ranges + values) from which an update waits for its own turn: ~3 ms of apply. */
export const HEAVY_UPDATE_COST = 1000;

export interface FrameLane {
  /**
   * Hands `frame` on: at once when it is light and nothing of this socket waits, otherwise in
   * order behind what waits, a heavy frame in a turn of its own. False, and the frame dropped,
   * when it would take what this socket has waiting past the gate's `maxWaitingBytes`.
   */
  push(frame: Uint8Array, heavy: boolean): boolean;
  /** The socket closed: what it has waiting is dropped. */
  close(): void;
}

export interface HeavyUpdateGate {
  /** A socket's lane: its frames reach `deliver` in the order pushed. */
  lane(deliver: (frame: Uint8Array) => void): FrameLane;
  /** Sockets with a heavy frame waiting for its turn. */
  readonly waiting: number;
}

interface Queued {
  frame: Uint8Array;
  heavy: boolean;
}

export interface HeavyUpdateGateOptions {
  /** Bytes one socket may have waiting; the collaboration server passes 2 × MAX_MESSAGE_BYTES. */
  maxWaitingBytes: number;
  onError?: (error: unknown) => void;
}

export function createHeavyUpdateGate({
  maxWaitingBytes,
  onError = () => {},
}: HeavyUpdateGateOptions): HeavyUpdateGate {
  /** Lanes whose first waiting frame is heavy, in the order they will be served. */
  const turns: Array<() => void> = [];
  let scheduled = false;

  const schedule = () => {
    if (scheduled || turns.length === 0) return;
    scheduled = true;
    // setImmediate queued from a check-phase callback runs in the next loop iteration, after its
    // timers and its poll phase: one heavy apply per turn.
    setImmediate(runTurn);
  };
  function runTurn() {
    scheduled = false;
    const turn = turns.shift();
    try {
      turn?.();
    } catch (error) {
      onError(error);
    }
    schedule();
  }

  return {
    get waiting() {
      return turns.length;
    },
    lane(deliver) {
      let queue: Queued[] = [];
      let waitingBytes = 0;
      let closed = false;
      const next = (): Queued => {
        const queued = queue.shift() as Queued;
        waitingBytes -= queued.frame.byteLength;
        return queued;
      };
      /** Delivers the heavy frame at the head and the light ones after it; queues the next heavy one's turn. */
      const turn = () => {
        if (closed) return;
        if (queue.length > 0) deliver(next().frame);
        while (!closed && queue.length > 0 && !(queue[0] as Queued).heavy) deliver(next().frame);
        if (!closed && queue.length > 0) turns.push(turn);
      };
      return {
        push(frame, heavy) {
          if (closed) return true;
          if (queue.length === 0 && !heavy) {
            deliver(frame);
            return true;
          }
          if (waitingBytes + frame.byteLength > maxWaitingBytes) return false;
          queue.push({ frame, heavy });
          waitingBytes += frame.byteLength;
          // Queued behind a heavy frame already waiting: it follows that frame's turn.
          if (queue.length === 1) {
            turns.push(turn);
            schedule();
          }
          return true;
        },
        close() {
          closed = true;
          queue = [];
          waitingBytes = 0;
          // Its entry in `turns` (if any) stays and does nothing when its turn comes.
        },
      };
    },
  };
}
