// Log injection before authentication: a document name carrying a newline and a JSON object used
// to be printed raw by Hocuspocus's console.warn, forging a line in the JSON log. Names are now
// checked before anything reads the frame, and console output goes through the logger.
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { routeConsoleToLogger } from '../../src/observability/console-bridge.ts';
import { rawCollabClient } from '../helpers/collab.ts';
import { LogCapture, startTestServer, type TestServer } from '../helpers/server.ts';

const FORGED = 'doc\n{"level":"fatal","msg":"forged"}';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.destroy());

const everyLineIsJson = (lines: string[]) => {
  for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
};

describe('log injection', () => {
  it('a frame for a forged document name on an unauthenticated socket is closed unread, and nothing is forged', async () => {
    const client = await rawCollabClient(server.collabUrl);
    const encoder = encoding.createEncoder();
    encoding.writeVarString(encoder, FORGED);
    encoding.writeVarUint(encoder, 0);
    encoding.writeVarUint(encoder, 0);
    encoding.writeVarUint8Array(encoder, new Uint8Array(1024));
    client.send(encoding.toUint8Array(encoder));
    expect(await client.closed).toEqual({ code: 4400, reason: 'Malformed message' });
    // An Auth frame with that name is refused inside the protocol, without logging the name.
    const again = await rawCollabClient(server.collabUrl);
    expect(await again.authenticate(FORGED, 'not-a-token')).toBe('denied');
    again.ws.close();
    everyLineIsJson(server.logs.lines);
    expect(server.logs.lines.some((line) => JSON.parse(line).msg === 'forged')).toBe(false);
  });

  it('console output (what Hocuspocus prints) becomes one escaped JSON line per call', () => {
    const capture = new LogCapture();
    const restore = routeConsoleToLogger(createLogger('info', capture));
    try {
      console.warn(`Hocuspocus: closing connection for "${FORGED}"`);
      console.error('failed', new Error('boom'));
    } finally {
      restore();
    }
    expect(capture.lines).toHaveLength(2);
    everyLineIsJson(capture.lines);
    const [warn, error] = capture.lines.map((line) => JSON.parse(line));
    expect(warn).toMatchObject({ level: 'warn', component: 'console' });
    expect(warn.msg).toContain(FORGED);
    expect(error).toMatchObject({ level: 'error', msg: 'failed boom' });
  });
});
