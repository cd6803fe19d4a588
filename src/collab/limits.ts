// Per-socket limits applied to raw frames before Hocuspocus sees them.

export interface MessageRateLimit {
  /** Counts one message; false when the socket has exceeded its rate. */
  take(): boolean;
}

/**
 * A token bucket: `perSecond` sustained, bursts up to one second's worth (at least 10, so the
 * handful of frames a provider sends when it connects always pass). 0 disables the limit.
 */
export function createMessageRateLimit(
  perSecond: number,
  now: () => number = performance.now.bind(performance),
): MessageRateLimit {
  if (perSecond <= 0) return { take: () => true };
  const capacity = Math.max(perSecond, 10);
  let tokens = capacity;
  let last = now();
  return {
    take() {
      const at = now();
      tokens = Math.min(capacity, tokens + ((at - last) / 1000) * perSecond);
      last = at;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}
