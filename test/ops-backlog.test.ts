import { expect } from 'chai';
import { pino } from 'pino';
import { pullingStage, type Stage } from '../src/actors/pulling-stage.js';
import type { StageMessage } from '../src/protocols/pipeline.js';
import { systemClock } from '../src/runtime/clock.js';
import { PersistentWorker } from '../src/runtime/persistent-worker.js';
import { WriteGate } from '../src/storage/sqlite/write-gate.js';
import { ActorSystem, tell, type SpecWithRef } from '../src/supervisors/index.js';
import { webhookStage } from '../src/webhooks/webhook-stage.js';
import { gate as latch } from './support/actors.js';
import { requireShared } from './support/shared.js';
import { until } from './support/until.js';
import { githubFixtures, postGithub, startWebhookApi, type WebhookApi } from './support/webhook-api.js';

const HOLDER = new URL('./support/gate-holder-worker.ts', import.meta.url);

/**
 * Issue 11's soak found the webhooks actor's and the enricher's mailboxes 100 s deep: every
 * delivery (every index batch) nudged the stage, every step that found work nudged it again, and
 * the stage's SQLite writes met the index writer's transaction in SQLite's busy handler, which
 * sleeps on the event loop. These pin both fixes: nudges coalesce, and the webhook route and stage
 * wait for their turn at the write lock without holding the event loop.
 */
describe('backlog under load: nudges coalesce and webhooks take turns at the write lock', function () {
  this.timeout(60_000);

  it('a thousand nudges to a busy stage leave one in its mailbox, a crash sent after them waits one step, and no job is lost', async () => {
    const system = new ActorSystem();
    const journal: number[] = [];
    const handled: number[] = [];
    let steps = 0;
    let stepsWhenCrashed: number | undefined;
    const firstStepEntered = latch();
    const held = latch();
    const stage: Stage = {
      async step() {
        steps++;
        if (steps === 1) {
          firstStepEntered.open();
          await held.promise;
        }
        const batch = journal.splice(0, 32);
        handled.push(...batch);
        return batch.length;
      },
      close() {
        stepsWhenCrashed ??= steps;
      },
    };
    const worker: SpecWithRef<StageMessage> = system.worker('stage', pullingStage(() => stage, { idleMs: 60_000 }));
    await system.start(system.supervisor('root', [worker], { backoff: { minMs: 10, maxMs: 10, jitter: 0, resetAfterMs: 60_000 } }), () => {});
    try {
      await firstStepEntered.promise;
      // A producer's nudge per item while the stage is busy: the items wait in the journal, not the mailbox.
      for (let i = 0; i < 1000; i++) {
        journal.push(i);
        tell(worker.ref, { type: 'work' });
      }
      expect(worker.ref.cell.queued).to.equal(1);
      expect(worker.ref.cell.injectCrash()).to.equal(true);
      expect(worker.ref.cell.queued).to.equal(2);
      held.open();
      await until('the injected crash to reach the stage', async () => (worker.ref.cell.restarts > 0 ? true : undefined), 10_000);
      // The step in flight and the one nudge that waited ahead of the crash.
      expect(stepsWhenCrashed).to.equal(2);
      await until('the restarted stage to work through the journal', async () => (handled.length === 1000 ? true : undefined), 10_000);
      expect(handled).to.deep.equal(Array.from({ length: 1000 }, (_, i) => i));
      // A step per batch of 32 (and the restart's), not one per nudge.
      expect(steps).to.be.lessThan(40);
    } finally {
      await system.shutdown();
    }
  });

  it('a nudge sent while the stage steps is kept: work that came during a step is looked for after it', async () => {
    const system = new ActorSystem();
    const journal: number[] = [];
    let steps = 0;
    const stepEntered = latch();
    const held = latch();
    const stage: Stage = {
      async step() {
        steps++;
        // The init's nudge finds nothing; the next step is held while an item arrives.
        if (steps === 2) {
          stepEntered.open();
          await held.promise;
          return 0;
        }
        return journal.splice(0, 32).length;
      },
    };
    const worker: SpecWithRef<StageMessage> = system.worker('stage', pullingStage(() => stage, { idleMs: 60_000 }));
    await system.start(system.supervisor('root', [worker]), () => {});
    try {
      await until('the init nudge to be handled', async () => (steps === 1 && worker.ref.cell.inFlight === 0 ? true : undefined), 5_000);
      tell(worker.ref, { type: 'work' });
      await stepEntered.promise;
      journal.push(1);
      expect(tell(worker.ref, { type: 'work' })).to.equal(true);
      expect(worker.ref.cell.queued).to.equal(1);
      held.open();
      // Without that nudge the item would wait for the idle poll, a minute away.
      await until('the item that came during the step', async () => (journal.length === 0 ? true : undefined), 5_000);
    } finally {
      await system.shutdown();
    }
  });

  describe('while a writer thread holds the write lock', () => {
    let api: WebhookApi | undefined;
    let holder: PersistentWorker<unknown, { written?: number }> | undefined;
    let gate: WriteGate;

    beforeEach(async function () {
      requireShared(this, 'github-webhooks');
      // Polite for long enough that a slow machine cannot make the event loop miss its turn.
      gate = new WriteGate(undefined, 10_000);
      api = await startWebhookApi({ writeGate: gate });
      api.db.exec('CREATE TABLE writes (id INTEGER PRIMARY KEY, who TEXT NOT NULL)');
      holder = new PersistentWorker(HOLDER, 'the gate holder', { workerData: { file: api.file, gate: gate.buffer, politeMs: 10_000 } });
    });

    afterEach(async () => {
      await holder?.close();
      await api?.close();
    });

    async function heldByThread(): Promise<void> {
      await until('the thread to take the gate', async () => (gate.held() ? true : undefined), 30_000);
    }

    it('a delivery waits for its turn without holding the event loop, then is journaled and answered 202', async () => {
      const star = githubFixtures().find((f) => f.name === 'star/created.payload.json')!;
      const holding = holder!.request({ rows: ['index batch'], holdMs: 1500 });
      await heldByThread();
      const answer = postGithub(api!.url, star.body, { event: 'star', delivery: 'held-1' });
      // Seen only if the event loop goes on: the route is waiting at the gate, not in SQLite's busy handler.
      await until('the delivery to wait at the gate', async () => (gate.waiting() > 0 ? true : undefined), 10_000);
      const response = await answer;
      await holding;
      expect(response.status).to.equal(202);
      expect(await response.json()).to.include({ status: 'accepted' });
      expect(api!.received()).to.equal(1);
      expect(api!.db.prepare(`SELECT count(*) FROM jobs WHERE kind = 'webhook'`).pluck().get()).to.equal(1);
    });

    it('the webhook stage claims and commits in its turn, the event loop turning meanwhile', async () => {
      const star = githubFixtures().find((f) => f.name === 'star/created.payload.json')!;
      for (let i = 0; i < 3; i++) expect((await postGithub(api!.url, star.body, { event: 'star', delivery: `held-${i}` })).status).to.equal(202);
      let turnsOfTheLoop = 0;
      const turnsAtApply: number[] = [];
      const stage = webhookStage({
        db: api!.db, journal: api!.journal, writeGate: gate, clock: systemClock(), log: pino({ level: 'silent' }), owner: 'webhooks', leaseMs: 60_000, batch: 32,
        apply: () => void turnsAtApply.push(turnsOfTheLoop),
      });
      const holding = holder!.request({ rows: ['index batch'], holdMs: 1500 });
      await heldByThread();
      const ticking = setInterval(() => turnsOfTheLoop++, 5);
      try {
        const stepped = stage.step();
        await until('the stage to wait at the gate', async () => (gate.waiting() > 0 ? true : undefined), 10_000);
        expect(await stepped).to.equal(3);
      } finally {
        clearInterval(ticking);
      }
      await holding;
      expect(turnsAtApply).to.have.length(3);
      // The facts were applied after the loop had turned: the stage waited its turn instead of blocking.
      expect(turnsAtApply[0]).to.be.greaterThan(0);
      expect(api!.db.prepare(`SELECT state, count(*) AS n FROM jobs WHERE kind = 'webhook' GROUP BY state`).all()).to.deep.equal([{ state: 'done', n: 3 }]);
    });
  });
});
