import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Where the shared recordings live: `../shared` next to the repository, never copied into it.
 * @internal for tests
 */
export function sharedPath(...parts: string[]): string {
  return path.resolve('..', 'shared', ...parts);
}

/**
 * Skips the calling test (or hook) when the shared fixtures are missing, naming what was looked
 * for, so a checkout without `../shared` shows a skipped test rather than a misleading failure.
 * @internal for tests
 */
export function requireShared(ctx: Mocha.Context, ...parts: string[]): void {
  const wanted = sharedPath('fixtures', ...parts);
  if (existsSync(wanted)) return;
  const title = ctx.currentTest?.fullTitle() ?? ctx.test?.fullTitle() ?? 'test';
  process.stderr.write(`skipping "${title}": shared fixtures missing at ${wanted}\n`);
  ctx.skip();
}
