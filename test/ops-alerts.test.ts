import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { AlertDeliveryError } from '../src/errors.js';
import { AlertEngine } from '../src/ops/alerts/engine.js';
import {
  announcementLagMs, announcementLagRule, diskNearlyFullRule, gpuHotRule, journalNotDrainingRule, llmAllDownRule, peerDownRule,
  restartStormRule, sourceFailingRule, sourceSilentRule, supervisorGaveUpRule, type RuleThresholds,
} from '../src/ops/alerts/rules.js';
import { logSink, webhookSink } from '../src/ops/alerts/sinks.js';
import { AlertStore } from '../src/ops/alerts/store.js';
import type { AlertRule, RuleFinding } from '../src/ops/alerts/types.js';
import { diskOf, journalFromDb, supervisionFromRestartLog } from '../src/ops/signals/node-signals.js';
import { ManualClock } from '../src/runtime/manual-clock.js';
import { openDatabase, sqlitePath } from '../src/storage/sqlite/database.js';
import { Journal } from '../src/storage/sqlite/journal.js';
import { ActorSystem, SqliteRestartLog, tell } from '../src/supervisors/index.js';
import { Lifecycle, nextEvent, probe } from './support/actors.js';
import { tempDataDir } from './support/node-process.js';
import { startAlertReceiver } from './support/ops-alert-receiver.js';

const thresholds: RuleThresholds = {
  sourceFailures: 3, sourceSilentAfterMs: 60_000, announcementLagMs: 3_600_000, restartStormCount: 3, restartStormWindowMs: 60_000,
  gaveUpWindowMs: 600_000, journalWindowMs: 10_000, journalGrowthMin: 5, diskFreeMin: 0.05, gpuHotC: 85,
};

/** A pino logger whose lines land in `lines`. */
function capturingLogger(): { log: Logger; lines: Record<string, any>[] } {
  const lines: Record<string, any>[] = [];
  return { log: pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) }), lines };
}

/** A rule whose findings a test sets between evaluations. */
function settableRule(name: string): AlertRule & { findings: RuleFinding[] | Error } {
  const rule = {
    name, severity: 'critical' as const, summary: `${name} summary`, findings: [] as RuleFinding[] | Error,
    evaluate: () => {
      if (rule.findings instanceof Error) throw rule.findings;
      return rule.findings;
    },
  };
  return rule;
}

describe('alerts: engine, rules and sinks', function () {
  this.timeout(30_000);
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const freshDb = () => {
    const dir = tempDataDir();
    dirs.push(dir);
    return openDatabase(sqlitePath(dir));
  };

  describe('the engine', () => {
    it('delivers an alert once when it fires and once when it resolves, to a webhook and the log, and keeps its state in SQLite', async () => {
      const receiver = await startAlertReceiver();
      try {
        const db = freshDb();
        const { log, lines } = capturingLogger();
        const rule = settableRule('disk_nearly_full');
        const sinks = [webhookSink({ url: receiver.url, token: 's3cret', timeoutMs: 2_000 }), logSink(log)];
        const engine = new AlertEngine({ rules: [rule], sinks, store: new AlertStore(db), node: 'main', log });

        rule.findings = [{ subject: '/data', firing: true, message: '2% free', value: 0.02 }];
        const fired = await engine.evaluate(1_000);
        expect(fired.transitions.map((a) => [a.rule, a.subject, a.state])).to.deep.equal([['disk_nearly_full', '/data', 'firing']]);
        rule.findings = [{ subject: '/data', firing: true, message: '1% free', value: 0.01 }];
        expect((await engine.evaluate(2_000)).transitions).to.have.length(0);
        expect(engine.firing()[0]).to.include({ message: '1% free', value: 0.01, firingSince: 1_000, lastEvaluatedAt: 2_000 });

        rule.findings = [{ subject: '/data', firing: false, message: '40% free', value: 0.4 }];
        const resolved = await engine.evaluate(3_000);
        expect(resolved.transitions.map((a) => a.state)).to.deep.equal(['resolved']);
        expect(resolved.firing).to.equal(0);

        expect(receiver.received.map((r) => r.body.alerts.map((a: any) => `${a.rule}:${a.state}`))).to.deep.equal([['disk_nearly_full:firing'], ['disk_nearly_full:resolved']]);
        expect(receiver.received[0]!.headers.authorization).to.equal('Bearer s3cret');
        expect(receiver.received[0]!.body).to.include({ source: 'paperd', node: 'main', firing: 1, resolved: 0 });
        const alertLines = lines.filter((l) => l.alert);
        expect(alertLines.map((l) => [l.level, l.alert.state])).to.deep.equal([[50, 'firing'], [30, 'resolved']]);
        expect(alertLines[0]!.msg).to.equal('alert firing: disk_nearly_full (/data): 2% free');

        const stored = new AlertStore(db).list();
        expect(stored).to.have.length(1);
        expect(stored[0]).to.include({ rule: 'disk_nearly_full', state: 'resolved', firingSince: 1_000, resolvedAt: 3_000 });
      } finally {
        await receiver.close();
      }
    });

    it('a restarted engine knows what was firing and does not announce it again', async () => {
      const db = freshDb();
      const { log } = capturingLogger();
      const delivered: string[] = [];
      const sink = { name: 'memory', deliver: async (as: readonly { rule: string; state: string }[]) => void delivered.push(...as.map((a) => `${a.rule}:${a.state}`)) };
      const rule = settableRule('peer_down');
      rule.findings = [{ subject: 'gpu', firing: true, message: 'gpu is down' }];
      await new AlertEngine({ rules: [rule], sinks: [sink], store: new AlertStore(db), node: 'main', log }).evaluate(1_000);
      const again = new AlertEngine({ rules: [rule], sinks: [sink], store: new AlertStore(db), node: 'main', log });
      expect(again.firing().map((a) => a.subject)).to.deep.equal(['gpu']);
      await again.evaluate(2_000);
      rule.findings = [];
      await again.evaluate(3_000);
      // The subject vanished from the findings (the peer was removed): it resolves rather than fire forever.
      expect(delivered).to.deep.equal(['peer_down:firing', 'peer_down:resolved']);
      expect(again.alerts()[0]).to.include({ state: 'resolved', resolvedAt: 3_000 });
    });

    it('a rule that throws keeps its alerts as they were, and the other rules still run', async () => {
      const db = freshDb();
      const { log, lines } = capturingLogger();
      const broken = settableRule('restart_storm');
      const healthy = settableRule('gpu_hot');
      broken.findings = [{ subject: '', firing: true, message: '12 restarts' }];
      const engine = new AlertEngine({ rules: [broken, healthy], sinks: [], store: new AlertStore(db), node: 'main', log });
      await engine.evaluate(1_000);
      broken.findings = new Error('restart log unreadable');
      healthy.findings = [{ subject: 'gpu0', firing: true, message: '91 °C' }];
      const report = await engine.evaluate(2_000);
      expect(report.failedRules).to.deep.equal(['restart_storm']);
      expect(engine.firing().map((a) => a.rule).sort()).to.deep.equal(['gpu_hot', 'restart_storm']);
      expect(lines.some((l) => l.rule === 'restart_storm' && l.msg.includes('failed to evaluate'))).to.equal(true);
    });

    it('a sink that fails is logged and does not stop the others or the state', async () => {
      const db = freshDb();
      const { log, lines } = capturingLogger();
      const got: number[] = [];
      const failing = { name: 'broken', deliver: async () => { throw new Error('relay down'); } };
      const rule = settableRule('llm_all_down');
      rule.findings = [{ subject: '', firing: true, message: 'all down' }];
      const engine = new AlertEngine({ rules: [rule], sinks: [failing, { name: 'ok', deliver: async (a) => void got.push(a.length) }], store: new AlertStore(db), node: 'main', log });
      await engine.evaluate(1_000);
      expect(got).to.deep.equal([1]);
      expect(engine.firing()).to.have.length(1);
      expect(lines.find((l) => l.sink === 'broken')?.msg).to.equal('alert sink failed to deliver');
    });
  });

  describe('the webhook sink', () => {
    const alert = { rule: 'gpu_hot', subject: 'gpu0', severity: 'warning' as const, state: 'firing' as const, summary: 's', message: 'm', value: 90, firingSince: 1, resolvedAt: null, lastEvaluatedAt: 1, node: 'gpu' };

    it('tries again after a 503 and a 429, and delivers', async () => {
      const receiver = await startAlertReceiver([503, 429]);
      try {
        await webhookSink({ url: receiver.url, timeoutMs: 2_000, attempts: 3, retryDelayMs: 10 }).deliver([alert]);
        expect(receiver.requests()).to.equal(3);
        expect(receiver.received[0]!.body.alerts[0]).to.include({ rule: 'gpu_hot', subject: 'gpu0', value: 90 });
      } finally {
        await receiver.close();
      }
    });

    it('takes a 400 as final and says so with the status', async () => {
      const receiver = await startAlertReceiver([400]);
      try {
        const error = await webhookSink({ url: receiver.url, timeoutMs: 2_000, attempts: 3, retryDelayMs: 10 }).deliver([alert]).then(() => undefined, (e: unknown) => e);
        expect(error).to.be.instanceOf(AlertDeliveryError);
        expect((error as AlertDeliveryError).message).to.include('after 1 attempt').and.include('last status 400');
        expect(receiver.requests()).to.equal(1);
      } finally {
        await receiver.close();
      }
    });

    it('reports a receiver that is not there after its attempts', async () => {
      const receiver = await startAlertReceiver();
      const url = receiver.url;
      await receiver.close();
      const error = await webhookSink({ url, timeoutMs: 1_000, attempts: 2, retryDelayMs: 10 }).deliver([alert]).then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(AlertDeliveryError);
      expect((error as AlertDeliveryError).attempts).to.equal(2);
    });
  });

  describe('the rules', () => {
    const one = async (rule: AlertRule, now: number) => (await rule.evaluate(now))[0];

    it('restart storm: counts restarts in the window from the real restart log', async () => {
      const db = freshDb();
      const log = new SqliteRestartLog(db, pino({ level: 'silent' }));
      const record = (at: number) => log.record({ at, event: 'restart', actor: 'root/pipeline/indexer', supervisor: 'root/pipeline', strategy: 'one_for_one', errorName: 'Error', errorMessage: 'x', errorStack: '', attempt: 1, delayMs: 10, restarted: [] });
      [1_000, 30_000, 61_000, 62_000, 63_000].forEach(record);
      const rule = restartStormRule({ supervision: supervisionFromRestartLog(db) }, thresholds);
      // At 100 s the window (60 s) holds 61, 62 and 63 s: three, not more than three.
      expect(await one(rule, 100_000)).to.include({ firing: false, value: 3 });
      record(64_000);
      expect(await one(rule, 100_000)).to.include({ firing: true, value: 4 });
      expect(await one(rule, 130_000)).to.include({ firing: false, value: 0 });
    });

    it('supervisor gave up: a real supervisor past its intensity fires, naming it and the failure', async () => {
      const db = freshDb();
      const clock = new ManualClock(5_000);
      const system = new ActorSystem({ clock, random: () => 0, restartLog: new SqliteRestartLog(db, pino({ level: 'silent' })) });
      const w = system.worker('w', probe('w', new Lifecycle()));
      const leaf = system.supervisor('leaf', [w], { intensity: 0, periodMs: 1000 });
      const root = system.supervisor('root', [leaf], { intensity: 5, periodMs: 1000, backoff: { minMs: 10, jitter: 0 } });
      await system.start(root, () => {});
      const restarting = nextEvent(system.registry, (e) => e.type === 'actor.restarting' && e.path === 'root/leaf');
      tell(w.ref, { type: 'boom' });
      await restarting;
      const rule = supervisorGaveUpRule({ supervision: supervisionFromRestartLog(db) }, thresholds);
      const findings = await rule.evaluate(clock.now());
      expect(findings).to.have.length(1);
      expect(findings[0]).to.include({ subject: 'root/leaf', firing: true });
      expect(findings[0]!.message).to.include('root/leaf/w failed').and.include('boom:w');
      // Past the window it resolves.
      expect(await one(rule, clock.now() + thresholds.gaveUpWindowMs + 1)).to.include({ subject: 'root/leaf', firing: false });
      clock.advance(10);
      await system.shutdown();
    });

    it('journal not draining: fires only when the journal grew over the whole window and finished nothing', async () => {
      const db = freshDb();
      const journal = new Journal(db);
      const rule = journalNotDrainingRule({ journal: journalFromDb(db) }, thresholds);
      const add = (n: number, from: number) => journal.acceptMany(Array.from({ length: n }, (_, i) => ({ kind: 'ingest', dedupKey: `k${from + i}`, payload: {} })));
      expect(await one(rule, 0)).to.include({ firing: false });
      add(10, 0);
      // Grown by 10, but the window (10 s) is not covered yet.
      expect(await one(rule, 5_000)).to.include({ firing: false });
      add(10, 10);
      expect(await one(rule, 10_000)).to.include({ firing: true, value: 20 });
      expect(await one(rule, 11_000)).to.include({ firing: true });
      // A job finished within the window: draining, however slowly.
      const [job] = journal.claim('w', 1, 60_000);
      journal.complete(job!.id, 'w');
      expect(await one(rule, 12_000)).to.include({ firing: false });
    });

    it('disk nearly full: reads the real file system of the data dir', async () => {
      const dir = tempDataDir();
      dirs.push(dir);
      const disk = diskOf(dir)();
      expect(disk.totalBytes).to.be.greaterThan(0);
      expect(disk.freeBytes).to.be.within(0, disk.totalBytes);
      const free = disk.freeBytes / disk.totalBytes;
      const firing = await one(diskNearlyFullRule({ disk: diskOf(dir) }, { ...thresholds, diskFreeMin: Math.min(1, free + 0.01) }), 0);
      expect(firing).to.include({ subject: dir, firing: true });
      expect(await one(diskNearlyFullRule({ disk: diskOf(dir) }, { ...thresholds, diskFreeMin: Math.max(0, free - 0.01) }), 0)).to.include({ firing: false });
    });

    it('announcement lag: measured from the first announcement not ingested', async () => {
      // Tuesday 2025-03-04 20:00 US Eastern (01:00 UTC Wednesday) is an announcement; the next is Wednesday's.
      const tuesday = Date.parse('2025-03-05T01:00:00Z');
      const wednesday = Date.parse('2025-03-06T01:00:00Z');
      expect(announcementLagMs(tuesday, wednesday - 1)).to.equal(0);
      expect(announcementLagMs(tuesday, wednesday + 7_200_000)).to.equal(7_200_000);
      const rule = announcementLagRule({ lastAnnouncementMs: () => tuesday }, thresholds);
      expect(await one(rule, wednesday + 30 * 60_000)).to.include({ firing: false });
      const late = await one(rule, wednesday + 2 * 3_600_000);
      expect(late).to.include({ firing: true, value: 2 * 3_600_000 });
      expect(late!.message).to.include('2025-03-06T01:00:00.000Z');
      expect(await announcementLagRule({ lastAnnouncementMs: () => undefined }, thresholds).evaluate(wednesday)).to.deep.equal([]);
    });

    it('sources: failing after N failures in a row, silent past their schedule', async () => {
      const sources = () => [
        { name: 'arxiv-poller', consecutiveFailures: 0, nextPollAt: 100_000, startedAt: 0 },
        { name: 'huggingface-poller', consecutiveFailures: 3, lastError: 'PAPERD_REMOTE_UNAVAILABLE: 503', lastPollAt: 10_000, everyMs: 50_000, startedAt: 0 },
        { name: 'github-poller', consecutiveFailures: 1, everyMs: 50_000, startedAt: 0 },
      ];
      const failing = await sourceFailingRule({ sources }, thresholds).evaluate(0);
      expect(failing.filter((f) => f.firing).map((f) => f.subject)).to.deep.equal(['huggingface-poller']);
      expect(failing[1]!.message).to.include('PAPERD_REMOTE_UNAVAILABLE');
      const silent = sourceSilentRule({ sources }, thresholds);
      // At 115 s: arXiv is 15 s late, Hugging Face (last poll 10 s, every 50 s) 55 s, GitHub (never polled since 0) 65 s.
      expect((await silent.evaluate(115_000)).filter((f) => f.firing).map((f) => f.subject)).to.deep.equal(['github-poller']);
      expect((await silent.evaluate(170_000)).filter((f) => f.firing).map((f) => f.subject)).to.deep.equal(['arxiv-poller', 'huggingface-poller', 'github-poller']);
    });

    it('peers, LLM endpoints and GPUs', async () => {
      const peers = await peerDownRule({ peers: () => [{ name: 'gpu', state: 'down', lastSeenAt: 0, reason: 'no heartbeat' }, { name: 'mac', state: 'up' }] }).evaluate(120_000);
      expect(peers.map((p) => [p.subject, p.firing])).to.deep.equal([['gpu', true], ['mac', false]]);
      expect(peers[0]!.message).to.equal('gpu is down (no heartbeat); last heard 2 min ago');
      const llm = (states: ('up' | 'cooling' | 'down')[]) => llmAllDownRule({ llmEndpoints: () => states.map((state, i) => ({ name: `e${i}`, state })) }).evaluate(0);
      expect((await llm(['down', 'cooling']))[0]).to.include({ firing: false });
      expect((await llm(['down', 'down']))[0]).to.include({ firing: true, value: 2 });
      expect(await llm([])).to.deep.equal([]);
      const gpus = await gpuHotRule({ gpus: () => [{ index: 0, name: 'A', temperatureC: 85 }, { index: 1, name: 'B', temperatureC: 60 }, { index: 2, name: 'C', temperatureC: null }] }, thresholds).evaluate(0);
      expect(gpus.map((g) => [g.subject, g.firing])).to.deep.equal([['gpu0', true], ['gpu1', false], ['gpu2', false]]);
    });
  });
});
