// Third-party code (Hocuspocus above all) writes to the console: plain lines outside the JSON
// log, some of which print client-chosen text (a document name) as it came. Routed here, each
// call becomes one structured log line: pino's JSON encoding escapes every control character, so
// a newline in a client's text can never forge a line, and the text is cut to MAX_CONSOLE_CHARS.
import { format } from 'node:util';
import type { Logger } from '../logger.ts';

const MAX_CONSOLE_CHARS = 2000;
const METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const;
type Method = (typeof METHODS)[number];
const LEVEL: Record<Method, 'info' | 'warn' | 'error' | 'debug'> = {
  log: 'info',
  info: 'info',
  warn: 'warn',
  error: 'error',
  debug: 'debug',
};

const original = new Map<Method, (...args: unknown[]) => void>();
let target: Logger | undefined;

/** Sends console output to `logger` until the returned function is called (last caller wins). */
export function routeConsoleToLogger(logger: Logger): () => void {
  const logLine = logger.child({ component: 'console' });
  target = logLine;
  for (const method of METHODS) {
    if (!original.has(method)) original.set(method, console[method].bind(console));
    console[method] = (...args: unknown[]) => {
      const err = args.find((arg): arg is Error => arg instanceof Error);
      const text = format(...args.map((arg) => (arg instanceof Error ? arg.message : arg)));
      const msg = text.length > MAX_CONSOLE_CHARS ? `${text.slice(0, MAX_CONSOLE_CHARS)}…` : text;
      target?.[LEVEL[method]](err ? { err } : {}, msg);
    };
  }
  return () => {
    if (target !== logLine) return;
    target = undefined;
    for (const [method, write] of original) console[method] = write;
    original.clear();
  };
}
