// Where the servers' time goes, by component, over the measured windows of a bench run written
// with BENCH_CPU_PROFILE_DIR (`windows.jsonl` beside the profiles), several runs side by side:
//   npm exec -- node bench/probes/cpu-profile-components.mjs [--name "two instances"] [--span start-edited] label=dir[,dir…] …
// Each label sums every profile whose window name contains --name (the scale bench names its
// instances "two instances through Redis #1" and "#2") over all its dirs, and prints each
// component's self time as ms per run (one window of every instance counts as a run) and as a
// share of busy time. Socket writes and other Node internals are charged to the nearest caller
// that belongs to a component, so "socket writes from ioredis" is the relay's publishing and
// "socket writes from ws" the fan-out to clients. Samples are wall time: under load they include
// time the process waited for a core (mostly at system calls that wake another process), so
// compare shares between runs of similar load, and read absolute figures with care.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(name);
  if (index === -1) return fallback;
  const [value] = args.splice(index, 2).slice(1);
  return value;
};
const nameFilter = option('--name', 'two instances');
const [from, to] = option('--span', 'start-edited').split('-');
if (args.length === 0) throw new Error('usage: cpu-profile-components.mjs [--name s] [--span a-b] label=dir[,dir…] …');

const COMPONENTS = [
  ['relay module', /redis-relay|relay-wire|extension-redis/],
  ['ioredis', /ioredis|redis-parser|denque|standard-as-callback|cluster-key-slot/],
  ['yjs/lib0', /\/yjs\/|\/lib0\/|y-protocols/],
  ['hocuspocus', /@hocuspocus/],
  ['ws', /\/ws\//],
  ['postgres.js/drizzle', /postgres|drizzle/],
  ['our other code', /\/src\//],
];
const componentOf = (url) => COMPONENTS.find(([, pattern]) => pattern.test(url))?.[0];
const SOCKET_WRITES = /^(writeBuffer|writev|writeUtf8String|writeLatin1String)$/;

function read(dirs) {
  const sums = new Map();
  const add = (key, micros) => sums.set(key, (sums.get(key) ?? 0) + micros);
  let runs = 0;
  for (const dir of dirs) {
    const windows = readFileSync(path.join(dir, 'windows.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((window) => window.name.includes(nameFilter));
    for (const window of windows) {
      const file = readdirSync(dir).find((name) => name.includes(`.${window.pid}.`) && name.endsWith('.cpuprofile'));
      if (!file) continue;
      runs += 1;
      const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
      const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
      const parents = new Map();
      for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
      let time = profile.startTime;
      for (let index = 0; index < profile.samples.length; index += 1) {
        time += profile.timeDeltas[index];
        if (time < window[from] || time > window[to]) continue;
        const micros = profile.timeDeltas[index];
        const { functionName, url } = nodes.get(profile.samples[index]).callFrame;
        if (functionName === '(idle)') continue;
        add('busy', micros);
        if (functionName === '(garbage collector)') {
          add('garbage collector', micros);
          continue;
        }
        let component = componentOf(url);
        if (!component) {
          let caller;
          for (let id = parents.get(profile.samples[index]); id !== undefined && !caller; id = parents.get(id))
            caller = componentOf(nodes.get(id).callFrame.url);
          component = `${SOCKET_WRITES.test(functionName) ? 'socket writes' : 'node internals'} from ${caller ?? 'elsewhere'}`;
        }
        add(component, micros);
      }
    }
  }
  return { sums, runs };
}

const columns = args.map((arg) => {
  const [label, dirs] = arg.split('=');
  return { label, ...read(dirs.split(',')) };
});
const perRun = (column, key) => (column.runs ? (column.sums.get(key) ?? 0) / column.runs / 1000 : Number.NaN);
const keys = [...new Set(columns.flatMap((column) => [...column.sums.keys()]))].sort(
  (a, b) => perRun(columns[0], b) - perRun(columns[0], a),
);
console.log(
  `ms per run (one instance's window) and share of busy; window ${from}-${to}, profiles named "${nameFilter}"`,
);
console.log(`${''.padEnd(40)}${columns.map((column) => `${column.label} (${column.runs})`.padStart(20)).join('')}`);
for (const key of keys)
  console.log(
    `${key.padEnd(40)}${columns
      .map((column) => {
        const share = (100 * perRun(column, key)) / perRun(column, 'busy');
        return `${perRun(column, key).toFixed(0)} ms ${share.toFixed(1)} %`.padStart(20);
      })
      .join('')}`,
  );
