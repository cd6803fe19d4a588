// METRICS_PORT (docs/operations.md): /metrics on its own listener, bound to METRICS_HOST, and not on
// the public port; METRICS_TOKEN still guards it. Real HTTP on both ports.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const TOKEN = 'metrics-token-0123456789';
let server: TestServer;
let metricsUrl: string;

beforeAll(async () => {
  // 127.0.0.2 is loopback too, but not the public listener's address (HOST=127.0.0.1).
  server = await startTestServer({ METRICS_PORT: '0', METRICS_HOST: '127.0.0.2', METRICS_TOKEN: TOKEN });
  metricsUrl = server.server.metricsUrl as string;
});
afterAll(async () => server?.destroy());

const refused = (url: string) =>
  fetch(url).then(
    () => 'answered',
    (error: Error & { cause?: { code?: string } }) => error.cause?.code ?? 'failed',
  );

describe('METRICS_PORT', () => {
  it('serves /metrics on the metrics listener only, under the token', async () => {
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.2:\d+$/);
    const scrape = await fetch(`${metricsUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await scrape.text()).toContain('process_cpu');
    expect((await fetch(`${metricsUrl}/metrics`)).status).toBe(401);

    // The public port has no /metrics at all, token or not, and the metrics port nothing else.
    const publicScrape = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(publicScrape.status).toBe(404);
    expect((await publicScrape.json()).error.code).toBe('NOT_FOUND');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${metricsUrl}/healthz`)).status).toBe(404);
    expect((await fetch(`${metricsUrl}/api/v1/auth/me`)).status).toBe(404);
  });

  it('is bound to METRICS_HOST: the same port on the public address is closed', async () => {
    const port = new URL(metricsUrl).port;
    expect(await refused(`http://127.0.0.1:${port}/metrics`)).toBe('ECONNREFUSED');
  });

  it('closes with the server', async () => {
    const other = await startTestServer({ METRICS_PORT: '0' });
    const url = other.server.metricsUrl as string;
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
    await other.destroy();
    expect(await refused(`${url}/metrics`)).toBe('ECONNREFUSED');
  });
});
