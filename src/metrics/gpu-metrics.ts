import { Gauge, type Registry as PromRegistry } from 'prom-client';
import type { GpuTelemetry } from '../ops/gpu/telemetry.js';

/** GPU readings as gauges (per GPU index), whether the node has one, and the guard's verdict. */
export function registerGpuMetrics(prom: PromRegistry, telemetry: GpuTelemetry): void {
  const perGpu = (name: string, help: string, pick: (g: ReturnType<GpuTelemetry['status']>['gpus'][number]) => number | null) =>
    new Gauge({
      name, help, labelNames: ['gpu', 'name'], registers: [prom],
      collect() {
        this.reset();
        for (const g of telemetry.status().gpus) {
          const v = pick(g);
          if (v !== null) this.set({ gpu: String(g.index), name: g.name }, v);
        }
      },
    });
  perGpu('paperd_gpu_utilization_ratio', 'GPU utilization, 0 to 1', (g) => (g.utilizationPct === null ? null : g.utilizationPct / 100));
  perGpu('paperd_gpu_memory_used_bytes', 'GPU memory in use', (g) => (g.memoryUsedMiB === null ? null : g.memoryUsedMiB * 1_048_576));
  perGpu('paperd_gpu_memory_total_bytes', 'GPU memory in all', (g) => (g.memoryTotalMiB === null ? null : g.memoryTotalMiB * 1_048_576));
  perGpu('paperd_gpu_temperature_celsius', 'GPU core temperature', (g) => g.temperatureC);
  perGpu('paperd_gpu_power_watts', 'GPU power draw', (g) => g.powerW);
  perGpu('paperd_gpu_throttle_reasons', 'Active clock throttle reasons (the NVML bitmask)', (g) => g.throttleMask);
  new Gauge({
    name: 'paperd_gpu_present', help: '1 when nvidia-smi reads at least one GPU, 0 when this node has none (or the read failed)', registers: [prom],
    collect() {
      this.set(telemetry.status().state === 'gpus' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'paperd_gpu_hot', help: '1 while heavy batch work is paused because a GPU is hot or throttling', registers: [prom],
    collect() {
      this.set(telemetry.gpuHot() ? 1 : 0);
    },
  });
}
