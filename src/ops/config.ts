import { Type } from '@sinclair/typebox';

/**
 * The `ops` section of a node's config: alert rules' thresholds and sinks, GPU telemetry and its
 * protection, and draining. Every key has its variable (`ops.alerts.webhookUrl` →
 * `PAPERD_OPS_ALERTS_WEBHOOK_URL`).
 */
export const OpsConfig = Type.Object({
  alerts: Type.Object({
    /** Rules are evaluated this often, on the main (or single) node. */
    evaluateEveryMs: Type.Integer({ minimum: 50, default: 15_000 }),
    /** A generic webhook sink: every firing and resolved alert is POSTed there as JSON. Empty: log only. */
    webhookUrl: Type.String({ default: '' }),
    /** Sent as `Authorization: Bearer …` to the webhook sink when set. */
    webhookToken: Type.String({ default: '' }),
    webhookTimeoutMs: Type.Integer({ minimum: 100, default: 5_000 }),
    /** A source with this many consecutive failed polls is failing. */
    sourceFailures: Type.Integer({ minimum: 1, default: 3 }),
    /** A source whose next poll is this late (or that has not polled for its interval plus this) is silent. */
    sourceSilentAfterMs: Type.Integer({ minimum: 1000, default: 60 * 60_000 }),
    /** An arXiv announcement published this long ago and not ingested yet fires. */
    announcementLagMs: Type.Integer({ minimum: 1000, default: 6 * 3_600_000 }),
    /** More than this many restarts within `restartStormWindowMs`, across the tree. */
    restartStormCount: Type.Integer({ minimum: 1, default: 10 }),
    restartStormWindowMs: Type.Integer({ minimum: 1000, default: 5 * 60_000 }),
    /** A give-up or escalation in the restart log stays firing this long. */
    gaveUpWindowMs: Type.Integer({ minimum: 1000, default: 60 * 60_000 }),
    /** The journal grew by at least `journalGrowthMin` jobs over this window and finished none. */
    journalWindowMs: Type.Integer({ minimum: 100, default: 15 * 60_000 }),
    journalGrowthMin: Type.Integer({ minimum: 1, default: 100 }),
    /** The data dir's file system has less free than this fraction. */
    diskFreeMin: Type.Number({ minimum: 0, maximum: 1, default: 0.05 }),
    /** A GPU at or above this temperature (°C) fires. */
    gpuHotC: Type.Number({ default: 85 }),
  }, { default: {} }),
  gpu: Type.Object({
    /** Read GPU telemetry on this node (the gpu role always does). */
    telemetry: Type.Boolean({ default: false }),
    /** The nvidia-smi to run; found on the PATH by default. */
    nvidiaSmi: Type.String({ default: 'nvidia-smi' }),
    everyMs: Type.Integer({ minimum: 100, default: 5_000 }),
    /** Heavy batch work pauses at or above this temperature (°C) and while the GPU throttles for heat or power... */
    pauseAtC: Type.Number({ default: 83 }),
    /** …and resumes only below this one, with no throttling (hysteresis). */
    resumeBelowC: Type.Number({ default: 75 }),
  }, { default: {} }),
}, { default: {} });
