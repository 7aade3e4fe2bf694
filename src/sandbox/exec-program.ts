import type Docker from 'dockerode';
import { PassThrough, Transform, type Duplex } from 'node:stream';
import { CappedOutput } from './capped-output.js';
import { SANDBOX_USER } from './container-spec.js';
import { readOutFiles, type OutFile, type RejectedOutFile } from './out-files.js';

/** How one program ran in its container. */
export interface ProgramOutcome {
  /** null when it was killed at the timeout. */
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly stdout: CappedOutput;
  readonly stderr: CappedOutput;
  readonly durationMs: number;
}

// Once the program has exited, its output is drained for this long; a child it left holding
// stdout open must not turn a finished run into a timeout.
const DRAIN_AFTER_EXIT_MS = 200;
const EXIT_POLL_MS = 250;

/**
 * Runs `cmd` in the started container as nobody (docker exec), streaming its stdout and stderr
 * into capped sinks. At `timeoutMs` the whole container is killed (SIGKILL): the program and
 * whatever it started go with it.
 */
export async function execProgram(container: Docker.Container, docker: Docker, cmd: string[], timeoutMs: number, outputBytes: number, now: () => number): Promise<ProgramOutcome> {
  const stdout = new CappedOutput(outputBytes);
  const stderr = new CappedOutput(outputBytes);
  const exec = await container.exec({ Cmd: cmd, User: SANDBOX_USER, WorkingDir: '/tmp', AttachStdout: true, AttachStderr: true, AttachStdin: false, Tty: false });
  const started = now();
  const stream = await exec.start({ hijack: true, stdin: false });
  docker.modem.demuxStream(stream, stdout, stderr);
  let timedOut = false;
  const timers: NodeJS.Timeout[] = [];
  try {
    await new Promise<void>((resolve) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', resolve);
      timers.push(setTimeout(() => {
        timedOut = true;
        resolve();
      }, timeoutMs));
      const poll = (): void => {
        timers.push(setTimeout(() => {
          exec.inspect().then((state) => {
            if (state.Running) poll();
            else timers.push(setTimeout(resolve, DRAIN_AFTER_EXIT_MS));
          }, () => poll());
        }, EXIT_POLL_MS));
      };
      poll();
    });
  } finally {
    for (const timer of timers) clearTimeout(timer);
  }
  const durationMs = now() - started;
  if (timedOut) {
    await container.kill({ signal: 'SIGKILL' }).catch(() => undefined);
    stream.destroy();
    return { exitCode: null, timedOut, stdout, stderr, durationMs };
  }
  stream.destroy();
  const state = await exec.inspect();
  return { exitCode: state.ExitCode ?? null, timedOut, stdout, stderr, durationMs };
}

/**
 * The files a program left in /out: `tar` inside the container (as nobody), read and validated
 * here; the stream is cut past the byte cap plus tar's headers.
 */
export async function collectOutFiles(container: Docker.Container, docker: Docker, limits: { maxFiles: number; maxBytes: number }): Promise<{ files: OutFile[]; rejected: RejectedOutFile[] }> {
  const exec = await container.exec({ Cmd: ['tar', '-C', '/out', '-cf', '-', '.'], User: SANDBOX_USER, AttachStdout: true, AttachStderr: true, Tty: false });
  const stream: Duplex = await exec.start({ hijack: true, stdin: false });
  const tarBytes = new PassThrough();
  const ignoredStderr = new CappedOutput(4096);
  const ceiling = limits.maxBytes + (limits.maxFiles + 2) * 1024 + 10_240;
  let seen = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > ceiling) {
        callback();
        stream.destroy();
        return;
      }
      callback(null, chunk);
    },
  });
  docker.modem.demuxStream(stream, counted, ignoredStderr);
  stream.once('end', () => counted.end());
  stream.once('close', () => counted.end());
  counted.pipe(tarBytes);
  try {
    return await readOutFiles(tarBytes, limits);
  } catch (error) {
    return { files: [], rejected: [{ name: '/out', reason: `its archive could not be read: ${(error as Error).message}` }] };
  }
}
