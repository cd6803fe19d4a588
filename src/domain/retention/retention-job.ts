// The periodic job that forgets what has outlived its retention (docs/history-and-trash.md):
// old note versions, and purged trash. One timer for every task, never two runs at once on this
// instance; each task is a batched, idempotent statement loop, so instances running it at the
// same moment only share the work.
import type { Logger } from '../../logger.ts';

export interface RetentionTask {
  name: string;
  /** Answers how many rows it removed. */
  run(): Promise<number>;
}

export interface RetentionJob {
  /** Runs every task once, in order; a failing task is logged and does not stop the others. */
  runOnce(): Promise<Record<string, number>>;
  start(): void;
  stop(): void;
}

export function createRetentionJob(intervalSeconds: number, tasks: readonly RetentionTask[], logger: Logger) {
  const log = logger.child({ component: 'retention' });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<Record<string, number>> | undefined;

  const runTasks = async (): Promise<Record<string, number>> => {
    const removed: Record<string, number> = {};
    for (const task of tasks) {
      try {
        removed[task.name] = await task.run();
        if ((removed[task.name] ?? 0) > 0) log.info({ task: task.name, removed: removed[task.name] }, 'retention');
      } catch (error) {
        log.warn({ err: error, task: task.name }, 'retention task failed; will try again');
      }
    }
    return removed;
  };

  const job: RetentionJob = {
    runOnce() {
      running ??= runTasks().finally(() => {
        running = undefined;
      });
      return running;
    },
    start() {
      if (timer) return;
      timer = setInterval(() => void job.runOnce(), intervalSeconds * 1000);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
  return job;
}
