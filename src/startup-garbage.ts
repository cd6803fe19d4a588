// Starting the server allocates about 150 MB that is garbage once it listens (module resolution
// re-reads large package.json export maps; migrations; the OpenAPI document), and V8 keeps the
// heap it grew for it committed until it next needs the room: an idle server sat at ~300 MB
// resident instead of ~130 MB (docs/benchmarks.md, "Memory"). One full collection right after
// start-up hands it back. `gc` is not exposed by default; the flag can be set at run time, and
// a fresh context then carries the function (v8.setFlagsFromString).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Gc = (options?: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

export function releaseStartupGarbage(): void {
  let gc = (globalThis as { gc?: Gc }).gc;
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as Gc | undefined;
  }
  // 'last-resort': the collection that also hands the freed pages back (a regular one kept the
  // heap's ~170 MB committed in a traced run of the benchmark).
  gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}
