import type { Command } from 'commander';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BadInputError } from '../../errors.js';
import { nodeUrlOf, requestNode } from '../client.js';

interface RunView {
  id: string;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
  truncated: boolean;
  files: { name: string; contentType: string; size: number; sha256: string; url: string }[];
  rejectedFiles: { name: string; reason: string }[];
}

const LANGUAGES: Record<string, 'python' | 'javascript'> = { '.py': 'python', '.js': 'javascript', '.cjs': 'javascript' };

/** `paperd sandbox run FILE`: runs a program in the node's sandbox, prints its output, saves its files. */
export function registerSandbox(program: Command): void {
  const sandbox = program.command('sandbox').description('run analysis code in the Docker sandbox, against a read-only snapshot of the stores');
  sandbox
    .command('run <file>')
    .description('run a Python (.py) or JavaScript (.js) program; prints its output and saves the files it wrote to /out')
    .option('--timeout <seconds>', 'wall-clock limit', (v) => Number(v))
    .option('--language <language>', 'python or javascript (default: from the extension)')
    .option('--out <dir>', 'where to save the files (default: sandbox-runs/<run id>)')
    .option('--data <dir>', 'data directory of the node to use', './data')
    .option('--url <url>', 'the node to use')
    .option('--json', 'print {"exitCode","stdout","stderr","durationMs","timedOut","truncated","files"} and save the files')
    .action(async (file: string, opts: { timeout?: number; language?: string; out?: string; data: string; url?: string; json?: boolean }) => {
      const language = opts.language ?? LANGUAGES[path.extname(file).toLowerCase()];
      if (language !== 'python' && language !== 'javascript') throw new BadInputError(`cannot tell the language of ${file}: pass --language python|javascript`);
      if (opts.timeout !== undefined && !(opts.timeout > 0)) throw new BadInputError(`--timeout must be a number of seconds above 0, not ${opts.timeout}`);
      const code = await readFile(file, 'utf8');
      // Code only ever runs in a node's sandbox.
      const base = nodeUrlOf(opts);
      const timeoutMs = opts.timeout === undefined ? undefined : Math.round(opts.timeout * 1000);
      const response = await requestNode(base, '/v1/sandbox/runs', {
        method: 'POST',
        body: { language, code, ...(timeoutMs ? { timeoutMs } : {}) },
        // The run may wait in the node's queue before its own timeout starts.
        timeoutMs: (timeoutMs ?? 300_000) + 600_000,
      });
      const run = (await response.json()) as RunView;
      const dir = opts.out ?? path.join('sandbox-runs', run.id);
      const saved: { name: string; contentType: string; size: number; sha256: string; url: string; path: string }[] = [];
      if (run.files.length > 0) await mkdir(dir, { recursive: true });
      for (const f of run.files) {
        const data = Buffer.from(await (await requestNode(base, f.url, { timeoutMs: 60_000 })).arrayBuffer());
        // Names were checked by the node (plain, top-level); basename keeps it so here too.
        const target = path.join(dir, path.basename(f.name));
        await writeFile(target, data);
        saved.push({ ...f, path: target });
      }
      if (opts.json) {
        const { exitCode, stdout, stderr, durationMs, timedOut, truncated } = run;
        console.log(JSON.stringify({ id: run.id, exitCode, stdout, stderr, durationMs, timedOut, truncated, files: saved, rejectedFiles: run.rejectedFiles }));
      } else {
        process.stdout.write(run.stdout);
        process.stderr.write(run.stderr);
        const status = run.timedOut ? 'killed at the timeout' : `exit ${run.exitCode}`;
        process.stderr.write(`paperd: run ${run.id}: ${status} in ${run.durationMs} ms${run.truncated ? ', output truncated' : ''}\n`);
        for (const f of saved) process.stderr.write(`paperd: saved ${f.path} (${f.contentType}, ${f.size} bytes)\n`);
        for (const f of run.rejectedFiles) process.stderr.write(`paperd: not taken from /out: ${f.name}: ${f.reason}\n`);
      }
      // Like timeout(1): 124 when killed at the time limit, else the program's own code.
      process.exitCode = run.timedOut ? 124 : (run.exitCode ?? 1);
    });
}
