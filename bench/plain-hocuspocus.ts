// The baseline: a stock, in-memory Hocuspocus 4 server with no extensions. Prints its port.
import { Server } from '@hocuspocus/server';

const server = new Server({ port: 0, quiet: true, stopOnSignals: true });
await server.listen();
process.stdout.write(`${JSON.stringify({ port: server.address.port, msg: 'plain hocuspocus listening' })}\n`);
