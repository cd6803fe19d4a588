// Reads a V8 CPU profile written by the collab bench (BENCH_CPU_PROFILE_DIR) over the bench's
// measured window only, from the `windows.jsonl` the bench writes beside it:
//   npm exec -- node bench/probes/cpu-profile-window.mjs <dir>/CPU.….cpuprofile [rows] [filter] [start-end|start-edited|edited-end]
// Prints busy time, then the functions by self time and by inclusive time (a function counted once
// per sample however often it recurs). Samples are wall time: under load they include time the
// process waited for a core, so read proportions, not absolute figures.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const [file, rowsArg, filter, span = 'start-end'] = process.argv.slice(2);
if (!file) throw new Error('usage: cpu-profile-window.mjs <profile> [rows] [filter|-] [span]');
const rows = Number(rowsArg ?? 40);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const pid = Number(/\.(\d+)\.\d+\.\d+\.cpuprofile$/.exec(file)?.[1]);
const windowsFile = path.join(path.dirname(file), 'windows.jsonl');
let from = Number.NEGATIVE_INFINITY;
let to = Number.POSITIVE_INFINITY;
if (existsSync(windowsFile)) {
  const window = readFileSync(windowsFile, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
    .find((entry) => entry.pid === pid);
  if (window) {
    const [start, end] = span.split('-');
    from = window[start];
    to = window[end];
    console.log(`window ${span}: ${((to - from) / 1e6).toFixed(1)} s`);
  }
}
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parents = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
const micros = new Map();
let time = profile.startTime;
for (let index = 0; index < profile.samples.length; index += 1) {
  time += profile.timeDeltas[index];
  if (time < from || time > to) continue;
  micros.set(profile.samples[index], (micros.get(profile.samples[index]) ?? 0) + profile.timeDeltas[index]);
}
const nameOf = (node) =>
  `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.replace(/.*node_modules\//, '')}:${node.callFrame.lineNumber + 1}`;
const self = new Map();
const inclusive = new Map();
let total = 0;
let idle = 0;
for (const [id, spent] of micros) {
  const node = nodes.get(id);
  total += spent;
  if (node.callFrame.functionName === '(idle)') {
    idle += spent;
    continue;
  }
  self.set(nameOf(node), (self.get(nameOf(node)) ?? 0) + spent);
  const seen = new Set();
  for (let current = id; current !== undefined; current = parents.get(current)) {
    const name = nameOf(nodes.get(current));
    if (seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + spent);
  }
}
const ms = (value) => (value / 1000).toFixed(0);
console.log(`total ${ms(total)} ms, idle ${ms(idle)} ms, busy ${ms(total - idle)} ms`);
const pattern = filter && filter !== '-' ? new RegExp(filter) : undefined;
for (const [title, table] of [
  ['self', self],
  ['inclusive', inclusive],
]) {
  console.log(`--- ${title}`);
  for (const [name, spent] of [...table]
    .filter(([name]) => !pattern || pattern.test(name))
    .sort((a, b) => b[1] - a[1])
    .slice(0, rows))
    console.log(`${ms(spent).padStart(7)} ${name}`);
}
