import type { ContainerCreateOptions } from 'dockerode';
import type { SandboxConfig } from './config.js';

/** The user runs execute as: nobody, who owns nothing in the image or the snapshot. */
export const SANDBOX_USER = '65534:65534';

/** The language a run is written in, and how its program file is executed. */
export type SandboxLanguage = 'python' | 'javascript';

export const PROGRAM_FILES: Record<SandboxLanguage, string> = { python: 'main.py', javascript: 'main.js' };

/** The command a run's program is executed with, inside a prepared container. */
export function programCommand(language: SandboxLanguage): string[] {
  return language === 'python' ? ['python3', '-B', `/code/${PROGRAM_FILES.python}`] : ['node', `/code/${PROGRAM_FILES.javascript}`];
}

/** Where a prepared container's host directories are. */
export interface ContainerMounts {
  /** The snapshot of the stores, mounted read-only at /data. */
  readonly snapshotDir: string;
  /** The run's program directory, mounted read-only at /code (written by the host only). */
  readonly codeDir: string;
}

/**
 * How long a container lives at most: a pooled one waits up to `poolIdleMs`, then serves a run of
 * up to `maxTimeoutMs`. Past that its PID 1 exits and the engine removes it (AutoRemove), so a
 * container whose node died without cleaning up (SIGKILL) does not outlive it for long.
 */
export function containerLifetimeSeconds(config: SandboxConfig): number {
  return Math.ceil((config.poolIdleMs + config.maxTimeoutMs) / 1000) + 60;
}

// PID 1 holds the container open while the program runs beside it (docker exec); it copies
// matplotlib's prebuilt font list into the writable /tmp first, which spares each run a font scan.
const holder = (seconds: number) => ['sh', '-c', `mkdir -p /tmp/matplotlib && cp /usr/share/paperd/matplotlib/*.json /tmp/matplotlib/ 2>/dev/null; exec sleep ${seconds}`];

/**
 * A sandbox container: no network, nobody's user, read-only root, every capability dropped,
 * no-new-privileges, the engine's default seccomp profile (never unconfined), memory with no
 * swap, CPU, pids and ulimits capped, /tmp and /out as sized tmpfs (charged to its memory), the
 * snapshot and the program read-only, no logs kept by the engine.
 */
export function containerSpec(config: SandboxConfig, image: string, mounts: ContainerMounts, labels: Record<string, string>): ContainerCreateOptions {
  const tmpfs = (bytes: number, extra = '') => `rw,noexec,nosuid,nodev,size=${bytes}${extra}`;
  return {
    Image: image,
    Cmd: holder(containerLifetimeSeconds(config)),
    User: SANDBOX_USER,
    WorkingDir: '/tmp',
    Labels: labels,
    NetworkDisabled: true,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    OpenStdin: false,
    HostConfig: {
      NetworkMode: 'none',
      Runtime: config.runtime,
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges:true'],
      Privileged: false,
      Memory: config.memoryBytes,
      MemorySwap: config.memoryBytes,
      NanoCpus: Math.round(config.cpus * 1e9),
      PidsLimit: config.pidsLimit,
      Ulimits: [
        { Name: 'nofile', Soft: config.nofile, Hard: config.nofile },
        { Name: 'fsize', Soft: config.fileSizeBytes, Hard: config.fileSizeBytes },
        { Name: 'core', Soft: 0, Hard: 0 },
      ],
      Tmpfs: {
        '/tmp': tmpfs(config.tmpBytes, ',mode=1777'),
        '/out': tmpfs(config.outBytes, ',uid=65534,gid=65534,mode=0700'),
      },
      Binds: [`${mounts.snapshotDir}:/data:ro`, `${mounts.codeDir}:/code:ro`],
      IpcMode: 'private',
      LogConfig: { Type: 'none', Config: {} },
      RestartPolicy: { Name: 'no' },
      AutoRemove: true,
      Init: false,
    },
  };
}
