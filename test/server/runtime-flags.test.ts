// The server's Node/V8 flags are listed once (src/runtime-flags.ts); `npm start` and the image
// must pass every one of them, before the script (after it they would be the script's arguments).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SERVER_NODE_FLAGS } from '../../src/runtime-flags.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function flagsBeforeMain(command: readonly string[]): string[] {
  const main = command.indexOf('src/main.ts');
  expect(main, `src/main.ts in ${command.join(' ')}`).toBeGreaterThan(0);
  expect(command[0]).toBe('node');
  return command.slice(1, main);
}

describe('the flags the server runs with', () => {
  it('are passed by npm start', () => {
    const scripts = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
    const flags = flagsBeforeMain(scripts.start!.split(/\s+/));
    for (const flag of SERVER_NODE_FLAGS) expect(flags).toContain(flag);
  });

  it("are passed by the image's CMD", () => {
    const cmd = readFileSync(path.join(root, 'Dockerfile'), 'utf8')
      .split('\n')
      .find((line) => line.startsWith('CMD ['));
    const flags = flagsBeforeMain(JSON.parse(cmd!.slice('CMD '.length)) as string[]);
    for (const flag of SERVER_NODE_FLAGS) expect(flags).toContain(flag);
  });

  it('size what they claim to (a flag V8 did not take would leave the default)', async () => {
    const { spawnSync } = await import('node:child_process');
    const result = spawnSync(
      process.execPath,
      [
        ...SERVER_NODE_FLAGS,
        '-e',
        // The young generation at its largest: allocate until it has grown, then read its size.
        "const v8=require('v8');let k=[];for(let i=0;i<2e6;i++){k.push({i});if(k.length>3e5)k=[]}" +
          "console.log(v8.getHeapSpaceStatistics().find(s=>s.space_name==='new_space').space_size)",
      ],
      { encoding: 'utf8' },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(Number(result.stdout.trim())).toBeLessThanOrEqual(2 * 16 * 1024 * 1024);
  });

  it('let short-lived buffers wait for a collection the heap needs (no full collection of their own)', async () => {
    const { spawnSync } = await import('node:child_process');
    // 640 MiB of buffers that die right away, 64 MiB at a time (what a store of a large document
    // allocates outside the heap), with next to nothing on the heap: V8's default starts a full
    // collection every 64 MiB of such memory; counted in the global limit, none is due.
    const result = spawnSync(
      process.execPath,
      [
        ...SERVER_NODE_FLAGS,
        '-e',
        "const {PerformanceObserver,constants}=require('node:perf_hooks');let majors=0;" +
          'new PerformanceObserver((l)=>{for(const e of l.getEntries())if(e.detail.kind===constants.NODE_PERFORMANCE_GC_MAJOR)majors++})' +
          ".observe({entryTypes:['gc']});let i=0;const keep=[];" +
          'const step=()=>{for(let k=0;k<4;k++)keep.push(Buffer.alloc(16<<20));keep.length=0;' +
          'if(++i<10)setImmediate(step);else setTimeout(()=>console.log(majors),50)};step()',
      ],
      { encoding: 'utf8' },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(Number(result.stdout.trim())).toBe(0);
  });
});
