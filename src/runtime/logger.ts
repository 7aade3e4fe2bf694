import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * The process logger: pino objects with stable keys (`actor`, `job`, `paper`, `node`, `err`).
 * `PAPERD_LOG_LEVEL` overrides the level; tests run silent unless asked.
 */
export function createLogger(options: { level?: string; name?: string; stderr?: boolean } = {}): Logger {
  const level = process.env.PAPERD_LOG_LEVEL ?? options.level ?? 'info';
  // CLI commands log to stderr so their stdout stays clean for --json.
  return pino({ name: options.name ?? 'paperd', level, base: { pid: process.pid } }, pino.destination(options.stderr ? 2 : 1));
}

/** A logger that writes nothing, for tests and benchmarks. */
export function silentLogger(): Logger {
  return pino({ level: process.env.PAPERD_LOG_LEVEL ?? 'silent' });
}
