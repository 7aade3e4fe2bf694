import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createApiKey } from '../../src/auth/api-keys.js';
import { openDatabase, sqlitePath } from '../../src/storage/sqlite/database.js';

const bin = resolve('bin/paperd.js');

export interface NodeProcess {
  readonly child: ChildProcess;
  readonly dataDir: string;
  /** Every JSON log line the node wrote so far. */
  readonly logs: Record<string, unknown>[];
  readonly url: Promise<string>;
  readonly exited: Promise<number | null>;
  /** Resolves with the first line that matches, seen before or after the call; rejects after `ms` (60 s by default). */
  waitForLog(match: (line: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
}

/** A fresh data dir under the system temp dir. */
export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'paperd-test-'));
}

/** Runs `paperd up` as a real OS process on a free loopback port. */
export function spawnNode(options: { dataDir?: string; env?: Record<string, string>; args?: string[] } = {}): NodeProcess {
  const dataDir = options.dataDir ?? tempDataDir();
  const child = spawn(process.execPath, [bin, 'up', '--data', dataDir, '--port', '0', ...(options.args ?? [])], {
    env: { ...process.env, PAPERD_LOG_LEVEL: 'debug', PAPERD_ARXIV_POLL: 'false', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const watchers: { match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    logs.push(line);
    for (const w of [...watchers]) {
      if (w.match(line)) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  // Bounded, so a line that never comes fails the test with its own message, not mocha's timeout.
  const waitForLog = (match: (l: Record<string, unknown>) => boolean, ms = 60_000) =>
    new Promise<Record<string, unknown>>((res, rej) => {
      const seen = logs.find(match);
      if (seen) return res(seen);
      const timer = setTimeout(() => {
        watchers.splice(watchers.indexOf(watcher), 1);
        rej(new Error(`no matching log line from the node within ${ms} ms (${match.toString()}); last lines: ${logs.slice(-5).map((l) => JSON.stringify(l)).join('\n')}`));
      }, ms);
      const watcher = { match, resolve: (l: Record<string, unknown>) => (clearTimeout(timer), res(l)) };
      watchers.push(watcher);
      void exited.then((code) => (clearTimeout(timer), rej(new Error(`node exited (${code}) before the expected log line; stderr: ${stderr.slice(-2000)}`))));
    });
  const url = waitForLog((l) => l.msg === 'paperd is up', 120_000).then((l) => String(l.url));
  return { child, dataDir, logs, url, exited, waitForLog };
}

/** Runs a CLI command to completion and returns its exit code and output. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => res({ code, stdout, stderr }));
  });
}

/** Makes an API key with `scopes` in the data dir's store (creating the store if need be). */
export function apiKey(dataDir: string, scopes: string[]): string {
  const db = openDatabase(sqlitePath(dataDir));
  try {
    return createApiKey(db, scopes).key;
  } finally {
    db.close();
  }
}

/** Headers that carry `key`, with a JSON body type when `json`. */
export function withKey(key: string, json = true): Record<string, string> {
  return { authorization: `Bearer ${key}`, ...(json ? { 'content-type': 'application/json' } : {}) };
}
