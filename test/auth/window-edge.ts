/**
 * Fixed rate-limit windows start at multiples of their length. A test that counts hits waits
 * out the last `marginMs` of a window first, so its hits all land in one window.
 */
export async function awayFromWindowEdge(windowSeconds: number, marginMs = 3000): Promise<void> {
  const windowMs = windowSeconds * 1000;
  const left = windowMs - (Date.now() % windowMs);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 20));
}
