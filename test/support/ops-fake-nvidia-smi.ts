import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NVIDIA_SMI_ARGS } from '../../src/ops/gpu/nvidia-smi.js';

/**
 * Output nvidia-smi really prints for paperd's query (`--query-gpu=index,name,utilization.gpu,
 * memory.used,memory.total,temperature.gpu,power.draw,clocks_throttle_reasons.active
 * --format=csv,noheader,nounits`), and for machines without a GPU.
 */
export const nvidiaSmiOutputs = {
  /** One idle consumer card: the idle bit (0x1) set. */
  idle: { stdout: '0, NVIDIA GeForce RTX 4090, 0, 1208, 24564, 41, 21.34, 0x0000000000000001\n', code: 0 },
  /** Two data-centre cards under load; a software power cap (0x4) is normal and not a reason to pause. */
  busy: { stdout: '0, NVIDIA A100-SXM4-80GB, 97, 71234, 81920, 71, 312.48, 0x0000000000000004\n1, NVIDIA A100-SXM4-80GB, 95, 70110, 81920, 69, 305.02, 0x0000000000000004\n', code: 0 },
  /** The second card at 86 °C. */
  hot: { stdout: '0, NVIDIA A100-SXM4-80GB, 97, 71234, 81920, 78, 312.48, 0x0000000000000004\n1, NVIDIA A100-SXM4-80GB, 99, 79981, 81920, 86, 399.87, 0x0000000000000004\n', code: 0 },
  /** Cooler than the pause point, but the hardware is slowing itself down for heat (0x40 | 0x20). */
  throttling: { stdout: '0, NVIDIA A100-SXM4-80GB, 64, 71234, 81920, 80, 250.10, 0x0000000000000060\n1, NVIDIA A100-SXM4-80GB, 61, 70110, 81920, 77, 241.00, 0x0000000000000000\n', code: 0 },
  /** Cooled, but not below the resume point. */
  warm: { stdout: '0, NVIDIA A100-SXM4-80GB, 40, 71234, 81920, 79, 200.00, 0x0000000000000000\n1, NVIDIA A100-SXM4-80GB, 38, 70110, 81920, 76, 190.00, 0x0000000000000000\n', code: 0 },
  cool: { stdout: '0, NVIDIA A100-SXM4-80GB, 12, 71234, 81920, 52, 90.00, 0x0000000000000000\n1, NVIDIA A100-SXM4-80GB, 10, 70110, 81920, 50, 88.50, 0x0000000000000000\n', code: 0 },
  /** A card that does not report power: nvidia-smi prints `[N/A]`. */
  noPower: { stdout: '0, Tesla T4, 0, 0, 15360, 35, [N/A], 0x0000000000000001\n', code: 0 },
  /** nvidia-smi installed, no device (a VM without passthrough): exit 6. */
  noDevices: { stdout: 'No devices were found\n', code: 6 },
  /** The driver is not loaded: exit 9. */
  noDriver: { stdout: "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n\n", code: 9 },
  /** Output nvidia-smi does not print for this query: a read error, not a statement about heat. */
  garbled: { stdout: 'Segmentation fault\n', code: 139 },
} as const;

export type NvidiaSmiScenario = keyof typeof nvidiaSmiOutputs;

/**
 * A fake `nvidia-smi` in a temp dir (put `dir` first on the PATH, or run `command`): a shell script
 * that prints the scenario set with `set`, and refuses any other query the way the real one does
 * ("is not a valid field to query", exit 2). It records each run's arguments.
 */
export function fakeNvidiaSmi(initial: NvidiaSmiScenario = 'idle'): { dir: string; command: string; set(s: NvidiaSmiScenario): void; calls(): string[]; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'paperd-fake-nvidia-smi-'));
  const command = join(dir, 'nvidia-smi');
  writeFileSync(
    command,
    `#!/bin/sh
here=$(dirname "$0")
echo "$*" >> "$here/calls"
if [ "$*" != "${NVIDIA_SMI_ARGS.join(' ')}" ]; then
  echo 'Field "'"$1"'" is not a valid field to query.' >&2
  exit 2
fi
cat "$here/stdout"
exit $(cat "$here/code")
`,
  );
  chmodSync(command, 0o755);
  const set = (s: NvidiaSmiScenario) => {
    writeFileSync(join(dir, 'stdout'), nvidiaSmiOutputs[s].stdout);
    writeFileSync(join(dir, 'code'), String(nvidiaSmiOutputs[s].code));
  };
  set(initial);
  return {
    dir, command, set,
    calls: () => {
      try {
        return readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
