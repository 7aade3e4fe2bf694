import { nextAnnouncement } from '../../sources/arxiv/schedule.js';
import type { AlertSignals } from './signals.js';
import type { AlertRule, RuleFinding } from './types.js';

/** The thresholds of the built-in rules (the `ops.alerts` config section). */
export interface RuleThresholds {
  readonly sourceFailures: number;
  readonly sourceSilentAfterMs: number;
  readonly announcementLagMs: number;
  readonly restartStormCount: number;
  readonly restartStormWindowMs: number;
  readonly gaveUpWindowMs: number;
  readonly journalWindowMs: number;
  readonly journalGrowthMin: number;
  readonly diskFreeMin: number;
  readonly gpuHotC: number;
}

const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;
const iso = (ms: number) => new Date(ms).toISOString();
const ok = (subject: string, message: string, value?: number): RuleFinding => ({ subject, firing: false, message, ...(value === undefined ? {} : { value }) });
const fire = (subject: string, message: string, value?: number): RuleFinding => ({ subject, firing: true, message, ...(value === undefined ? {} : { value }) });

/** A source whose last `sourceFailures` polls failed. */
export function sourceFailingRule(signals: AlertSignals, t: RuleThresholds): AlertRule {
  return {
    name: 'source_failing', severity: 'warning',
    summary: 'A source keeps failing to poll: check its base URL, token and the remote service',
    evaluate: () =>
      (signals.sources?.() ?? []).map((s) =>
        s.consecutiveFailures >= t.sourceFailures
          ? fire(s.name, `${s.name}: ${s.consecutiveFailures} polls in a row failed${s.lastError ? ` (last: ${s.lastError})` : ''}`, s.consecutiveFailures)
          : ok(s.name, `${s.name} polls`, s.consecutiveFailures),
      ),
  };
}

/** A source that has not polled when its schedule said it would (plus the grace). */
export function sourceSilentRule(signals: AlertSignals, t: RuleThresholds): AlertRule {
  return {
    name: 'source_silent', severity: 'warning',
    summary: 'A source has not polled past its schedule: its actor may be stuck or stopped',
    evaluate: (now) =>
      (signals.sources?.() ?? []).map((s) => {
        const due = s.nextPollAt ?? (s.everyMs === undefined ? undefined : (s.lastPollAt ?? s.startedAt) + s.everyMs);
        if (due === undefined) return ok(s.name, `${s.name} has no schedule`);
        const late = now - due;
        return late > t.sourceSilentAfterMs
          ? fire(s.name, `${s.name} was due to poll at ${iso(due)} and has not (${minutes(late)} late)`, late)
          : ok(s.name, `${s.name} polls on schedule`, Math.max(0, late));
      }),
  };
}

/** The time since the first arXiv announcement not ingested yet was published; 0 when caught up. */
export function announcementLagMs(lastAnnouncementMs: number, now: number): number {
  const missed = nextAnnouncement(lastAnnouncementMs);
  return missed <= now ? now - missed : 0;
}

/** An arXiv announcement published more than `announcementLagMs` ago and not ingested. */
export function announcementLagRule(signals: AlertSignals, t: RuleThresholds): AlertRule {
  return {
    name: 'announcement_lag', severity: 'critical',
    summary: 'An arXiv announcement is out and not ingested: check the arXiv poller and its restarts',
    evaluate: (now) => {
      if (!signals.lastAnnouncementMs) return [];
      const last = signals.lastAnnouncementMs();
      // Before the first announcement is ingested the silent-source rule speaks for the poller.
      if (last === undefined) return [];
      const lag = announcementLagMs(last, now);
      return [
        lag > t.announcementLagMs
          ? fire('', `the announcement of ${iso(nextAnnouncement(last))} is not ingested ${minutes(lag)} after it was published (last ingested: ${iso(last)})`, lag)
          : ok('', `last announcement ingested: ${iso(last)}`, lag),
      ];
    },
  };
}

/** More than `restartStormCount` restarts across the tree within the window. */
export function restartStormRule(signals: AlertSignals, t: RuleThresholds): AlertRule {
  return {
    name: 'restart_storm', severity: 'critical',
    summary: 'Actors are restarting over and over: see `paperd restarts` for who and why',
    evaluate: (now) => {
      if (!signals.supervision) return [];
      const { restarts } = signals.supervision(now - t.restartStormWindowMs);
      return [
        restarts > t.restartStormCount
          ? fire('', `${restarts} restarts in the last ${minutes(t.restartStormWindowMs)} (more than ${t.restartStormCount})`, restarts)
          : ok('', `${restarts} restarts in the last ${minutes(t.restartStormWindowMs)}`, restarts),
      ];
    },
  };
}

/** A supervisor gave up (its restart intensity was exceeded) within the window: one alert per supervisor. */
export function supervisorGaveUpRule(signals: AlertSignals, t: RuleThresholds): AlertRule {
  const seen = new Set<string>();
  return {
    name: 'supervisor_gave_up', severity: 'critical',
    summary: 'A supervisor exceeded its restart intensity and gave up: part of the node is down',
    evaluate: (now) => {
      if (!signals.supervision) return [];
      const { gaveUp } = signals.supervision(now - t.gaveUpWindowMs);
      const findings = new Map<string, RuleFinding>();
      for (const g of gaveUp) {
        if (findings.has(g.supervisor)) continue;
        findings.set(g.supervisor, fire(g.supervisor, `${g.supervisor} gave up at ${iso(g.at)} after ${g.actor} failed: ${g.error}`, g.at));
        seen.add(g.supervisor);
      }
      for (const s of seen) if (!findings.has(s)) findings.set(s, ok(s, `${s} has not given up in the last ${minutes(t.gaveUpWindowMs)}`));
      return [...findings.values()];
    },
  };
}

/** A peer node the link has lost. */
export function peerDownRule(signals: AlertSignals): AlertRule {
  return {
    name: 'peer_down', severity: 'critical',
    summary: 'A peer node does not answer over the link: its work waits or goes elsewhere',
    evaluate: (now) =>
      (signals.peers?.() ?? []).map((p) =>
        p.state === 'down'
          ? fire(p.name, `${p.name} is down${p.reason ? ` (${p.reason})` : ''}${p.lastSeenAt !== undefined ? `; last heard ${minutes(now - p.lastSeenAt)} ago` : ''}`)
          : ok(p.name, `${p.name} is up`),
      ),
  };
}

/** Every configured LLM endpoint is down: enrichment falls back to the embedded rules. */
export function llmAllDownRule(signals: AlertSignals): AlertRule {
  return {
    name: 'llm_all_down', severity: 'critical',
    summary: 'No LLM endpoint is up: enrichment uses the embedded fallback and chat requests fail',
    evaluate: () => {
      const endpoints = signals.llmEndpoints?.() ?? [];
      if (endpoints.length === 0) return [];
      const down = endpoints.filter((e) => e.state === 'down');
      return [
        down.length === endpoints.length
          ? fire('', `all ${endpoints.length} LLM endpoints are down: ${down.map((e) => `${e.name}${e.reason ? ` (${e.reason})` : ''}`).join(', ')}`, down.length)
          : ok('', `${endpoints.length - down.length} of ${endpoints.length} LLM endpoints are not down`, down.length),
      ];
    },
  };
}

/**
 * The journal grew by at least `journalGrowthMin` over the whole window and finished nothing:
 * work comes in and no stage takes it. Samples are taken at each evaluation.
 */
export function journalNotDrainingRule(signals: AlertSignals, t: RuleThresholds): AlertRule {
  const samples: { at: number; depth: number; done: number }[] = [];
  return {
    name: 'journal_not_draining', severity: 'warning',
    summary: 'Jobs pile up in the journal and none finish: look at the pipeline stages in `paperd actors`',
    evaluate: (now) => {
      if (!signals.journal) return [];
      samples.push({ at: now, ...signals.journal() });
      // Keep the newest sample at or before the window's start, and everything after it.
      while (samples.length > 2 && samples[1]!.at <= now - t.journalWindowMs) samples.shift();
      const first = samples[0]!;
      const last = samples[samples.length - 1]!;
      const covered = last.at - first.at >= t.journalWindowMs;
      const grew = last.depth - first.depth;
      return [
        covered && grew >= t.journalGrowthMin && last.done <= first.done
          ? fire('', `the journal grew by ${grew} jobs (to ${last.depth}) in ${minutes(last.at - first.at)} and finished none`, last.depth)
          : ok('', `journal depth ${last.depth}, ${last.done - first.done} finished since ${iso(first.at)}`, last.depth),
      ];
    },
  };
}

/** The data dir's file system is nearly full: SQLite and LanceDB writes will fail. */
export function diskNearlyFullRule(signals: AlertSignals, t: RuleThresholds): AlertRule {
  return {
    name: 'disk_nearly_full', severity: 'critical',
    summary: "The data dir's disk is nearly full: writes to SQLite and LanceDB will start failing",
    evaluate: () => {
      if (!signals.disk) return [];
      const d = signals.disk();
      const free = d.totalBytes > 0 ? d.freeBytes / d.totalBytes : 0;
      const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
      return [
        free < t.diskFreeMin
          ? fire(d.path, `${d.path}: ${pct(free)} free (${Math.round(d.freeBytes / 1_048_576)} MiB), under ${pct(t.diskFreeMin)}`, free)
          : ok(d.path, `${d.path}: ${pct(free)} free`, free),
      ];
    },
  };
}

/** A GPU at or above `gpuHotC`. */
export function gpuHotRule(signals: AlertSignals, t: RuleThresholds): AlertRule {
  return {
    name: 'gpu_hot', severity: 'warning',
    summary: 'A GPU is too hot: heavy batch work is paused until it cools; check cooling and load',
    evaluate: async () =>
      ((await signals.gpus?.()) ?? []).map((g) => {
        const subject = `${g.node ? `${g.node}/` : ''}gpu${g.index}`;
        return g.temperatureC !== null && g.temperatureC >= t.gpuHotC
          ? fire(subject, `GPU ${g.index}${g.node ? ` on ${g.node}` : ''} (${g.name}) is at ${g.temperatureC} °C (limit ${t.gpuHotC} °C)`, g.temperatureC)
          : ok(subject, `GPU ${subject} at ${g.temperatureC ?? 'unknown'} °C`, g.temperatureC ?? undefined);
      }),
  };
}

/** Every built-in rule over `signals`. */
export function builtInRules(signals: AlertSignals, t: RuleThresholds): AlertRule[] {
  return [
    sourceFailingRule(signals, t),
    sourceSilentRule(signals, t),
    announcementLagRule(signals, t),
    restartStormRule(signals, t),
    supervisorGaveUpRule(signals, t),
    peerDownRule(signals),
    llmAllDownRule(signals),
    journalNotDrainingRule(signals, t),
    diskNearlyFullRule(signals, t),
    gpuHotRule(signals, t),
  ];
}
