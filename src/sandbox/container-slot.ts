import type Docker from 'dockerode';
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { SandboxConfig } from './config.js';
import { containerSpec } from './container-spec.js';
import type { Snapshot, StoreSnapshots } from './store-snapshot.js';

/** A started sandbox container waiting for one program, with its snapshot and program directory. */
export interface ContainerSlot {
  readonly id: string;
  readonly container: Docker.Container;
  readonly snapshot: Snapshot;
  readonly workDir: string;
  readonly codeDir: string;
  /** When it was started (ms), for the pool's idle limit. */
  readonly startedAt: number;
}

/** Labels every sandbox container carries; `home` says which runner owns it, for cleanup after a crash. */
export function sandboxLabels(home: string): Record<string, string> {
  return { 'paperd.sandbox': '1', 'paperd.sandbox.home': home };
}

/** What making and disposing of containers needs. */
export interface SlotFactoryDeps {
  readonly docker: Docker;
  readonly config: SandboxConfig;
  readonly image: string;
  readonly snapshots: StoreSnapshots;
  /** Per-container host directories go under it. */
  readonly workRoot: string;
}

/** Creates and starts a container on the current snapshot. On failure nothing is left behind. */
export async function createSlot(deps: SlotFactoryDeps): Promise<ContainerSlot> {
  const snapshot = await deps.snapshots.acquire();
  const id = randomUUID();
  const workDir = path.join(deps.workRoot, id);
  const codeDir = path.join(workDir, 'code');
  let container: Docker.Container | undefined;
  try {
    await mkdir(codeDir, { recursive: true });
    await chmod(workDir, 0o755);
    await chmod(codeDir, 0o755);
    container = await deps.docker.createContainer({
      name: `paperd-sandbox-${id}`,
      ...containerSpec(deps.config, deps.image, { snapshotDir: snapshot.dir, codeDir }, sandboxLabels(deps.workRoot)),
    });
    await container.start();
    return { id, container, snapshot, workDir, codeDir, startedAt: Date.now() };
  } catch (error) {
    if (container) await container.remove({ force: true, v: true }).catch(() => undefined);
    await rm(workDir, { recursive: true, force: true });
    await deps.snapshots.release(snapshot);
    throw error;
  }
}

/** Kills and removes the container (and its anonymous volumes), its host directory, its hold on the snapshot. */
export async function disposeSlot(deps: SlotFactoryDeps, slot: ContainerSlot): Promise<void> {
  try {
    await slot.container.remove({ force: true, v: true }).catch((error: { statusCode?: number }) => {
      // Already gone (404) or being removed (409): nothing is left either way.
      if (error.statusCode !== 404 && error.statusCode !== 409) throw error;
    });
  } finally {
    await rm(slot.workDir, { recursive: true, force: true });
    await deps.snapshots.release(slot.snapshot);
  }
}

/** Removes every container a previous process of this runner left (it crashed, or was killed). */
export async function removeLeftovers(docker: Docker, home: string): Promise<number> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`paperd.sandbox.home=${home}`] } });
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
  return containers.length;
}
