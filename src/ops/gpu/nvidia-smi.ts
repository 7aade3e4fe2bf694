import { execFile } from 'node:child_process';

/** The fields asked of `nvidia-smi --query-gpu`, in order. */
export const GPU_QUERY_FIELDS = ['index', 'name', 'utilization.gpu', 'memory.used', 'memory.total', 'temperature.gpu', 'power.draw', 'clocks_throttle_reasons.active'] as const;

/** The arguments paperd runs nvidia-smi with: one CSV line per GPU, no header, no units. */
export const NVIDIA_SMI_ARGS = [`--query-gpu=${GPU_QUERY_FIELDS.join(',')}`, '--format=csv,noheader,nounits'];

/** One GPU's readings; null where nvidia-smi says `[N/A]` or `[Not Supported]`. */
export interface GpuReading {
  readonly index: number;
  readonly name: string;
  readonly utilizationPct: number | null;
  readonly memoryUsedMiB: number | null;
  readonly memoryTotalMiB: number | null;
  readonly temperatureC: number | null;
  readonly powerW: number | null;
  /** The active clock throttle reasons bitmask (NVML `nvmlClocksThrottleReasons`). */
  readonly throttleMask: number | null;
  /** The reasons in the mask, by name. */
  readonly throttleReasons: readonly string[];
}

/** NVML's throttle reason bits, by the names nvidia-smi -q prints. */
export const THROTTLE_REASONS: Readonly<Record<number, string>> = {
  0x1: 'gpu_idle',
  0x2: 'applications_clocks_setting',
  0x4: 'sw_power_cap',
  0x8: 'hw_slowdown',
  0x10: 'sync_boost',
  0x20: 'sw_thermal_slowdown',
  0x40: 'hw_thermal_slowdown',
  0x80: 'hw_power_brake_slowdown',
  0x100: 'display_clock_setting',
};

/**
 * The reasons that mean the GPU is protecting itself from heat or power: heavy batch work pauses
 * on them. A software power cap alone is the normal state of a busy GPU and does not count.
 */
export const PROTECTIVE_THROTTLE_MASK = 0x8 | 0x20 | 0x40 | 0x80;

/** What one reading of nvidia-smi found. */
export type GpuProbe =
  | { readonly type: 'gpus'; readonly gpus: readonly GpuReading[] }
  /** No GPU here: nvidia-smi is not installed, finds no device, or has no driver to talk to. */
  | { readonly type: 'none'; readonly reason: string }
  /** nvidia-smi ran and failed in a way that says nothing about the GPUs (a timeout, output it does not normally print). */
  | { readonly type: 'error'; readonly reason: string };

const number = (field: string): number | null => {
  const t = field.trim();
  if (t === '' || t.startsWith('[')) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
};

const mask = (field: string): number | null => {
  const t = field.trim();
  if (!/^0x[0-9a-f]+$/i.test(t)) return null;
  return Number.parseInt(t.slice(2), 16);
};

/**
 * Parses the CSV nvidia-smi prints for `NVIDIA_SMI_ARGS`. GPU names hold no comma in practice,
 * but a name with one is joined back: the other fields are counted from both ends.
 * @throws Error naming the line when a line does not have the fields asked for
 */
export function parseGpuCsv(stdout: string): GpuReading[] {
  const lines = stdout.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  return lines.map((line) => {
    const parts = line.split(',');
    if (parts.length < GPU_QUERY_FIELDS.length) throw new Error(`nvidia-smi printed a line with ${parts.length} fields, expected ${GPU_QUERY_FIELDS.length}: ${JSON.stringify(line)}`);
    const tail = parts.slice(parts.length - 6);
    const index = number(parts[0]!);
    if (index === null) throw new Error(`nvidia-smi printed a line whose GPU index is not a number: ${JSON.stringify(line)}`);
    const throttleMask = mask(tail[5]!);
    return {
      index,
      name: parts.slice(1, parts.length - 6).join(',').trim(),
      utilizationPct: number(tail[0]!),
      memoryUsedMiB: number(tail[1]!),
      memoryTotalMiB: number(tail[2]!),
      temperatureC: number(tail[3]!),
      powerW: number(tail[4]!),
      throttleMask,
      throttleReasons: throttleMask === null ? [] : Object.entries(THROTTLE_REASONS).filter(([bit]) => (throttleMask & Number(bit)) !== 0).map(([, name]) => name),
    };
  });
}

/** What nvidia-smi prints when there is no GPU to read. */
const NO_GPU = [/No devices were found/i, /couldn't communicate with the NVIDIA driver/i, /NVIDIA driver is not loaded/i, /No NVIDIA GPU found/i];

/**
 * Runs nvidia-smi once and says what it found. Its absence, or its saying there is no device or
 * no driver, is `none`: a machine without a GPU is not a fault.
 */
export function readGpus(command: string, timeoutMs = 5_000): Promise<GpuProbe> {
  return new Promise((resolve) => {
    execFile(command, NVIDIA_SMI_ARGS, { timeout: timeoutMs, maxBuffer: 1 << 20, env: { ...process.env, LC_ALL: 'C' } }, (error, stdout, stderr) => {
      const said = `${stdout}\n${stderr}`.trim();
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') return resolve({ type: 'none', reason: `${command} not found: no NVIDIA driver on this machine` });
      if (NO_GPU.some((p) => p.test(said))) return resolve({ type: 'none', reason: said.split('\n')[0]! });
      if (error) {
        const why = error.killed ? `timed out after ${timeoutMs} ms` : `exited ${String((error as { code?: unknown }).code)}`;
        return resolve({ type: 'error', reason: `${command} ${why}${said ? `: ${said.split('\n')[0]}` : ''}` });
      }
      try {
        const gpus = parseGpuCsv(stdout);
        resolve(gpus.length === 0 ? { type: 'none', reason: `${command} listed no GPU` } : { type: 'gpus', gpus });
      } catch (e) {
        resolve({ type: 'error', reason: (e as Error).message });
      }
    });
  });
}
