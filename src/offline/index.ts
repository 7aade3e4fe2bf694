/**
 * The offline system: a scheduler that runs batch work (backfill, OCR, re-embedding, graph
 * recomputation, maintenance, quality checks) in cooperative steps that never hurt the online path.
 */
export type { ClassQuota, JobClass, Step, StepCursor, StepOutcome, WindowSpec } from './job-class.js';
export { Scheduler, type ClassView, type SchedulerOptions, type SchedulerSnapshot } from './scheduler.js';
export { OfflineStore, ALL_CLASSES } from './offline-store.js';
export { OnlineLoad, cpuLoadPerCore, defaultLoadThresholds, type LoadLevel, type LoadReading, type LoadThresholds } from './online-load.js';
export { OffPeakWindow } from './off-peak-window.js';
export { ApiLatency, measureApiLatency } from './api-latency.js';
export { GpuLeases, routerDemand, withGpuLease, type GpuHeat, type GpuLeaseView, type HeldLease } from './gpu-lease.js';
