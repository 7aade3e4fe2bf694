/**
 * Every temporary file of a test run goes under one directory, removed when the run ends. Tests
 * make data dirs, corpora and stores with mkdtemp(tmpdir()), and child processes inherit TMPDIR:
 * without this, each run of the suite leaves a few GB in /tmp.
 * PAPERD_KEEP_TEST_FILES=1 keeps them to look at a failure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let runDir: string | undefined;

export function mochaGlobalSetup(): void {
  runDir = mkdtempSync(join(tmpdir(), 'paperd-run-'));
  process.env.TMPDIR = runDir;
}

export function mochaGlobalTeardown(): void {
  if (runDir && !process.env.PAPERD_KEEP_TEST_FILES) rmSync(runDir, { recursive: true, force: true, maxRetries: 3 });
}
