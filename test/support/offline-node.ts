import type { SchedulerSnapshot } from '../../src/offline/scheduler.js';
import { withKey } from './node-process.js';

/** Environment for a node whose scheduler reacts fast and ignores the shared machine's CPU and API latency. */
export function offlineEnv(oaiUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PAPERD_ARXIV_OAI_BASE_URL: oaiUrl,
    PAPERD_ARXIV_INTERVAL_MS: '0',
    PAPERD_PIPELINE_FETCH_PDFS: 'false',
    PAPERD_PIPELINE_IDLE_MS: '50',
    PAPERD_ENRICHMENT_ENABLED: 'false',
    PAPERD_OFFLINE_TICK_MS: '50',
    PAPERD_OFFLINE_STEP_MS: '500',
    PAPERD_OFFLINE_QUALITY_EVERY_MS: '1000',
    // Other tests share this machine: its load average and our API latency are not what these tests are about.
    PAPERD_OFFLINE_LOAD_CPU_MODERATE: '1000',
    PAPERD_OFFLINE_LOAD_CPU_HIGH: '1000',
    PAPERD_OFFLINE_LOAD_API_P95_MS_MODERATE: '1000000',
    PAPERD_OFFLINE_LOAD_API_P95_MS_HIGH: '1000000',
    PAPERD_OFFLINE_LOAD_API_SLOWDOWN_MODERATE: '1000000',
    PAPERD_OFFLINE_LOAD_API_SLOWDOWN_HIGH: '1000000',
    ...extra,
  };
}

/** `GET /v1/jobs`. */
export async function jobs(url: string): Promise<SchedulerSnapshot> {
  const r = await fetch(`${url}/v1/jobs`);
  if (!r.ok) throw new Error(`GET /v1/jobs answered ${r.status}: ${await r.text()}`);
  return (await r.json()) as SchedulerSnapshot;
}

/** A class of `GET /v1/jobs`. */
export async function jobClass(url: string, name: string) {
  const c = (await jobs(url)).classes.find((x) => x.name === name);
  if (!c) throw new Error(`no class ${name} in GET /v1/jobs`);
  return c;
}

/** `POST /v1/jobs/{pause|resume|backfill}` with an admin key; returns status and body. */
export async function postJobs(url: string, key: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${url}/v1/jobs/${path}`, { method: 'POST', headers: withKey(key, body !== undefined), ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}
