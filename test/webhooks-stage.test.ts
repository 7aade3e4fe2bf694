import { expect } from 'chai';
import type { Database } from 'better-sqlite3';
import { pino } from 'pino';
import type { FactProvenance, GraphFacts } from '../src/graph/facts.js';
import { JOB } from '../src/pipeline/job-kinds.js';
import { ManualClock } from '../src/runtime/manual-clock.js';
import { JOB_PRIORITY } from '../src/storage/sqlite/journal.js';
import { githubDedupKey, type WebhookJobPayload } from '../src/webhooks/deliveries.js';
import { webhookStage, type ApplyFacts } from '../src/webhooks/webhook-stage.js';
import { requireShared } from './support/shared.js';
import { githubFixtures, hfFixture, postGithub, postHf, startWebhookApi, type WebhookApi } from './support/webhook-api.js';

/** An `apply` that writes what it is given to a table of the same database, as the graph store will. */
function recordingApply(db: Database, options: { failWith?: Error } = {}): { apply: ApplyFacts; rows: () => { source: string; facts: GraphFacts }[] } {
  db.exec('CREATE TABLE IF NOT EXISTS applied_facts (n INTEGER PRIMARY KEY, source TEXT, at INTEGER, facts TEXT)');
  const insert = db.prepare('INSERT INTO applied_facts (source, at, facts) VALUES (?, ?, ?)');
  return {
    apply: (facts: GraphFacts, provenance: FactProvenance) => {
      insert.run(provenance.source, provenance.at, JSON.stringify(facts));
      if (options.failWith) throw options.failWith;
    },
    rows: () => (db.prepare('SELECT source, facts FROM applied_facts ORDER BY n').all() as { source: string; facts: string }[]).map((r) => ({ source: r.source, facts: JSON.parse(r.facts) as GraphFacts })),
  };
}

function stageOver(api: WebhookApi, apply: ApplyFacts, clock = new ManualClock(Date.now()), extra: { maxAttempts?: number } = {}) {
  return webhookStage({ db: api.db, journal: api.journal, apply, clock, log: pino({ level: 'silent' }), owner: 'webhook-stage', leaseMs: 60_000, batch: 16, ...extra });
}

async function drain(stage: ReturnType<typeof webhookStage>): Promise<number> {
  let total = 0;
  for (let n = await stage.step(); n > 0; n = await stage.step()) total += n;
  return total;
}

const states = (db: Database) => db.prepare(`SELECT state, count(*) AS n FROM jobs WHERE kind = 'webhook' GROUP BY state ORDER BY state`).all();

describe('webhook stage', function () {
  this.timeout(60_000);
  let api: WebhookApi;
  beforeEach(function () {
    requireShared(this, 'github-webhooks');
    requireShared(this, 'hf-webhooks');
  });
  afterEach(async () => api?.close());

  it('applies each delivery once, however often it was redelivered or replayed, and completes its job', async () => {
    api = await startWebhookApi();
    const star = githubFixtures().find((f) => f.name === 'star/created.payload.json')!;
    const refs = hfFixture('with_updated_refs.json');
    for (let i = 0; i < 3; i++) {
      await postGithub(api.url, star.body, { event: 'star', delivery: 'delivery-star-1' });
      await postHf(api.url, refs);
    }
    const { apply, rows } = recordingApply(api.db);
    const stage = stageOver(api, apply);
    expect(await drain(stage)).to.equal(2);
    // A redelivery after the job is done is still the same job: no second effect.
    await postGithub(api.url, star.body, { event: 'star', delivery: 'delivery-star-1' });
    await postHf(api.url, refs);
    expect(await drain(stage)).to.equal(0);
    expect(states(api.db)).to.deep.equal([{ state: 'done', n: 2 }]);
    const applied = rows();
    expect(applied.map((r) => r.source)).to.deep.equal(['github-webhook', 'hf-webhook']);
    expect(applied[0]!.facts.entities[0]).to.deep.include({ kind: 'repository', key: 'github.com/codertocat/hello-world' });
    expect(applied[0]!.facts.entities[0]!.attrs).to.include({ stars: 1 });
    expect(applied[1]!.facts.entities[0]).to.deep.include({ kind: 'space', key: 'Wauplin/gradio-user-history' });
    expect(stage.summary!()).to.include({ applied: 2, failed: 0 });
  });

  it('processes every recorded GitHub delivery, completing deliveries that carry no facts without applying anything', async () => {
    api = await startWebhookApi();
    for (const [i, f] of githubFixtures().entries()) await postGithub(api.url, f.body, { event: f.event, delivery: `d-${i}` });
    const { apply, rows } = recordingApply(api.db);
    const stage = stageOver(api, apply);
    const handled = await drain(stage);
    expect(states(api.db)).to.deep.equal([{ state: 'done', n: handled }]);
    // The organisation ping names no repository.
    expect(rows()).to.have.length(handled - 1);
    expect(stage.summary!()).to.include({ empty: 1 });
  });

  it('rolls back what apply wrote when it throws, retries later with backoff, and fails the job for good after the last attempt', async () => {
    api = await startWebhookApi();
    const payload: WebhookJobPayload = { provider: 'github', event: 'star', deliveryId: 'd-1', body: JSON.parse(githubFixtures().find((f) => f.name === 'star/created.payload.json')!.body.toString('utf8')) };
    const { id } = api.journal.accept(JOB.webhook, githubDedupKey('d-1'), payload, JOB_PRIORITY.hot);
    // The journal dates the job by the system clock; the stage's clock starts after that.
    const clock = new ManualClock(Date.now() + 1);
    const { apply, rows } = recordingApply(api.db, { failWith: new Error('graph store is closed') });
    const stage = stageOver(api, apply, clock, { maxAttempts: 2 });
    expect(await stage.step()).to.equal(1);
    expect(rows()).to.have.length(0);
    expect(api.journal.get(id)).to.include({ state: 'queued', lastError: 'Error: graph store is closed' });
    expect(await stage.step()).to.equal(0);
    clock.advance(30_000);
    expect(await stage.step()).to.equal(1);
    expect(api.journal.get(id)).to.include({ state: 'failed' });
    expect(rows()).to.have.length(0);
    expect(stage.summary!()).to.include({ retried: 1, failed: 1, applied: 0 });
  });

  it('gives its leases back on close', async () => {
    api = await startWebhookApi();
    await postHf(api.url, hfFixture('create_discussion.json'));
    const { apply } = recordingApply(api.db);
    const stage = stageOver(api, apply);
    api.journal.claim('webhook-stage', 1, 60_000, Date.now(), JOB.webhook);
    stage.close!();
    expect(states(api.db)).to.deep.equal([{ state: 'queued', n: 1 }]);
  });
});
