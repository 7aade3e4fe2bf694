/** 0 hot (a webhook, a new announcement), 1 normal, 2 offline (backfill, reprocessing). */
export type JobPriority = 0 | 1 | 2;

/** Named priorities, so call sites say which they mean. */
export const JOB_PRIORITY = { hot: 0, normal: 1, offline: 2 } as const satisfies Record<string, JobPriority>;

/** Where a job is in its life. `failed` is final; a retryable failure goes back to `queued`. */
export type JobState = 'queued' | 'leased' | 'done' | 'failed';

/** A job of the journal. */
export interface Job<P = unknown> {
  readonly id: number;
  readonly kind: string;
  readonly dedupKey: string;
  readonly priority: JobPriority;
  readonly state: JobState;
  readonly payload: P;
  /** How many times it was leased. */
  readonly attempts: number;
  readonly leaseOwner: string | null;
  readonly leaseUntil: number | null;
  /** Not claimed before this time (ms): the accept time, or the retry time after a failure. */
  readonly notBefore: number;
  /** `Name: message` of the last failure. */
  readonly lastError: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A job to accept. */
export interface NewJob {
  readonly kind: string;
  readonly dedupKey: string;
  readonly payload: unknown;
  readonly priority?: JobPriority;
}

/** What `accept` did: the job's id, and whether this call created it (false: a duplicate). */
export interface AcceptResult {
  readonly id: number;
  readonly created: boolean;
}

/** After a failed attempt: try again from `retryAt` (ms), or give up. */
export type JobFailure = { readonly retryAt: number } | { readonly permanent: true };

/** One row of `Journal.counts`. */
export interface JobCount {
  readonly state: JobState;
  readonly priority: JobPriority;
  readonly count: number;
}

/** A `jobs` row as SQLite returns it. @internal */
export interface JobRow {
  id: number;
  kind: string;
  dedup_key: string;
  priority: JobPriority;
  state: JobState;
  payload: string;
  attempts: number;
  lease_owner: string | null;
  lease_until: number | null;
  not_before: number;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

/** A `jobs` row as the rest of paperd sees it. @internal */
export function jobOf(row: JobRow): Job {
  return {
    id: row.id,
    kind: row.kind,
    dedupKey: row.dedup_key,
    priority: row.priority,
    state: row.state,
    payload: JSON.parse(row.payload) as unknown,
    attempts: row.attempts,
    leaseOwner: row.lease_owner,
    leaseUntil: row.lease_until,
    notBefore: row.not_before,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
