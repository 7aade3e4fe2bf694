import type { RestartLog, RestartRecord } from '../../src/supervisors/index.js';

/** Keeps restart records in memory, for asserting what supervisors did and in which order. */
export class MemoryRestartLog implements RestartLog {
  readonly records: RestartRecord[] = [];
  record(entry: RestartRecord): void {
    this.records.push(entry);
  }
  summary(): string[] {
    return this.records.map((r) => `${r.event} ${r.actor} by ${r.supervisor}`);
  }
}
