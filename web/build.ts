import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = fileURLToPath(new URL('.', import.meta.url));
const repoDir = join(webDir, '..');
/** Where the page is built; src/api/routes/web.ts serves it from there. */
export const builtDir = join(repoDir, 'dist', 'web');
const stampFile = join(builtDir, '.source-hash');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/**
 * A hash of everything the build reads: the page's sources and config, and the exact versions of
 * the packages it bundles. Content, not mtimes: a fresh clone or a checkout resets every mtime.
 */
export function sourceHash(): string {
  const hash = createHash('sha256');
  for (const file of filesUnder(webDir).sort()) {
    hash.update(relative(webDir, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  const lock = JSON.parse(readFileSync(join(repoDir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
  for (const name of ['vite', 'preact', 'esbuild']) hash.update(`${name}@${lock.packages[`node_modules/${name}`]?.version ?? '?'}\0`);
  return hash.digest('hex');
}

/** Whether dist/web holds a build of the current sources. */
export function webBuildIsCurrent(): boolean {
  if (!existsSync(join(builtDir, 'index.html')) || !existsSync(stampFile)) return false;
  return readFileSync(stampFile, 'utf8').trim() === sourceHash();
}

/**
 * Builds the page with Vite when dist/web is missing or was built from other sources; otherwise
 * does nothing (a few milliseconds), so `npm start` and `npm test` can call it every time.
 */
export async function ensureWebBuilt(options: { force?: boolean; quiet?: boolean } = {}): Promise<{ built: boolean; ms: number }> {
  const started = Date.now();
  if (!options.force && webBuildIsCurrent()) return { built: false, ms: Date.now() - started };
  const hash = sourceHash();
  // Vite is a development dependency: imported only when a build is needed.
  const { build } = await import('vite');
  await build({ configFile: join(webDir, 'vite.config.ts'), logLevel: options.quiet ? 'silent' : 'warn' });
  writeFileSync(stampFile, `${hash}\n`);
  const ms = Date.now() - started;
  if (!options.quiet) {
    const bytes = filesUnder(join(builtDir, 'assets')).reduce((n, f) => n + statSync(f).size, 0);
    console.error(`web page built in ${ms} ms into ${relative(process.cwd(), builtDir) || builtDir} (${Math.round(bytes / 1024)} KiB of assets)`);
  }
  return { built: true, ms };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  ensureWebBuilt({ force: process.argv.includes('--force') }).catch((error: unknown) => {
    console.error('the web page did not build:', error);
    process.exitCode = 1;
  });
}
