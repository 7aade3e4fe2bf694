import { Type, type Static } from '@sinclair/typebox';
import type { GpuProbe } from '../ops/gpu/nvidia-smi.js';
import type { GpuTelemetry } from '../ops/gpu/telemetry.js';
import { messageSchema } from '../protocols/message.js';
import type { TimerHandle } from '../runtime/clock.js';
import { tell, type Behavior } from '../supervisors/index.js';

/** Read the GPUs now. */
export const ReadGpus = messageSchema('readGpus', {});
export const GpuTelemetryMessage = Type.Union([ReadGpus]);
export type GpuTelemetryMessage = Static<typeof GpuTelemetryMessage>;
export type GpuTelemetryReplies = { readGpus: GpuProbe };

interface GpuTelemetryState {
  timer: TimerHandle | undefined;
  readonly cancel: (t: TimerHandle) => void;
}

/** Reads GPU telemetry at start and every `everyMs` (and when asked); the readings live in `telemetry`. */
export function gpuTelemetryBehavior(deps: { readonly telemetry: GpuTelemetry; readonly everyMs: number }): Behavior<GpuTelemetryMessage, GpuTelemetryState, GpuTelemetryReplies> {
  return {
    init(ctx) {
      tell(ctx.self, { type: 'readGpus' });
      return { timer: undefined, cancel: (t) => ctx.clock.clearTimeout(t) };
    },
    async receive(state, _msg, ctx) {
      if (state.timer) ctx.clock.clearTimeout(state.timer);
      state.timer = undefined;
      ctx.reply(await deps.telemetry.read(ctx.clock.now()));
      state.timer = ctx.clock.setTimeout(() => tell(ctx.self, { type: 'readGpus' }), deps.everyMs);
      return state;
    },
    terminate(state) {
      if (state.timer) state.cancel(state.timer);
    },
    summary: () => {
      const s = deps.telemetry.status();
      return {
        state: s.state,
        gpus: s.gpus.map((g) => ({ index: g.index, name: g.name, temperatureC: g.temperatureC, utilizationPct: g.utilizationPct })),
        hottestC: s.gpus.reduce<number | null>((m, g) => (g.temperatureC === null ? m : Math.max(m ?? g.temperatureC, g.temperatureC)), null),
        hot: s.hot,
        ...(s.hot ? { hotReason: s.hotReason } : {}),
        ...(s.reason ? { reason: s.reason } : {}),
        reads: deps.telemetry.reads,
      };
    },
  };
}
