import { expect } from 'chai';
import { hfDedupKey, hfScopeOf } from '../src/webhooks/deliveries.js';
import { requireShared } from './support/shared.js';
import { hfFixture, postHf, startWebhookApi, webhookJobs, type WebhookApi } from './support/webhook-api.js';

const FIXTURES = ['create_discussion.json', 'update_discussion.json', 'with_updated_refs.json'];

describe('Hugging Face webhooks', function () {
  this.timeout(60_000);
  let api: WebhookApi;
  afterEach(async () => api?.close());

  describe('deliveries', () => {
    beforeEach(function () {
      requireShared(this, 'hf-webhooks');
    });

    it('accepts each recorded delivery with the secret, journaled at hot priority under its scope', async () => {
      api = await startWebhookApi();
      for (const name of FIXTURES) {
        const body = hfFixture(name);
        const response = await postHf(api.url, body);
        expect(response.status, name).to.equal(202);
        const answer = (await response.json()) as { status: string; job: number; event: string };
        expect(answer.status, name).to.equal('accepted');
        expect(answer.event).to.equal((body.event as { scope: string }).scope);
        expect(api.journal.get(answer.job)!.payload).to.deep.equal({ provider: 'huggingface', event: answer.event, deliveryId: hfDedupKey(body), body });
      }
      expect(webhookJobs(api.db).map((j) => j.priority)).to.deep.equal([0, 0, 0]);
      expect(api.received()).to.equal(3);
    });

    it('refuses deliveries without the secret or with a wrong one (401), journaling nothing', async () => {
      api = await startWebhookApi();
      for (const name of FIXTURES) {
        for (const secret of [null, '', 'hf-secreT', 'hf-secret-but-longer', 'h']) {
          const response = await postHf(api.url, hfFixture(name), secret);
          expect(response.status, `${name} ${String(secret)}`).to.equal(401);
          expect(await response.json()).to.include({ error: 'PAPERD_WEBHOOK_SIGNATURE' });
        }
      }
      expect(webhookJobs(api.db)).to.have.length(0);
    });

    it('dedupes a replay of the same event, and keeps a later change of the same repo apart', async () => {
      api = await startWebhookApi();
      const body = hfFixture('with_updated_refs.json');
      const first = (await (await postHf(api.url, body)).json()) as { job: number };
      // A replay re-serialised with other key order is the same event.
      const reordered = Object.fromEntries(Object.entries(body).reverse());
      for (const replay of [body, reordered]) {
        expect(await (await postHf(api.url, replay)).json()).to.deep.equal({ status: 'duplicate', job: first.job, event: 'repo.content' });
      }
      const later = { ...body, repo: { ...(body.repo as object), headSha: '1111111111111111111111111111111111111111' } };
      expect(((await (await postHf(api.url, later)).json()) as { status: string }).status).to.equal('accepted');
      const closed = hfFixture('update_discussion.json');
      const reopened = { ...closed, discussion: { ...(closed.discussion as object), status: 'open' } };
      for (const b of [closed, closed, reopened, reopened]) await postHf(api.url, b);
      expect(webhookJobs(api.db)).to.have.length(4);
      expect(api.received()).to.equal(4);
    });

    it('handles an unknown narrower scope as its broader scope, and ignores an unknown one', async () => {
      api = await startWebhookApi();
      const body = hfFixture('with_updated_refs.json');
      const narrower = await postHf(api.url, { ...body, event: { action: 'update', scope: 'repo.content.foo' } });
      expect(await narrower.json()).to.include({ status: 'accepted', event: 'repo.content' });
      const unknown = await postHf(api.url, { ...body, event: { action: 'update', scope: 'billing' } });
      expect(unknown.status).to.equal(202);
      expect(await unknown.json()).to.deep.equal({ status: 'ignored', event: 'billing' });
      expect(webhookJobs(api.db)).to.have.length(1);
    });

    it('refuses everything with 503 when no secret is configured', async () => {
      api = await startWebhookApi({ huggingfaceSecret: '' });
      for (const secret of [null, 'hf-secret', '']) {
        const response = await postHf(api.url, hfFixture('create_discussion.json'), secret);
        expect(response.status).to.equal(503);
        expect(await response.json()).to.include({ error: 'PAPERD_WEBHOOK_NOT_CONFIGURED' });
      }
    });
  });

  it('answers 400 to bad JSON and to JSON that is not a webhook, with the secret', async () => {
    api = await startWebhookApi();
    for (const body of ['{"event":', '"text"', JSON.stringify({ event: { scope: 'repo' } }), JSON.stringify({ event: { scope: 'repo', action: 'update' }, repo: {} })]) {
      const response = await postHf(api.url, body);
      expect(response.status, body).to.equal(400);
      expect(await response.json()).to.include({ error: 'PAPERD_BAD_INPUT' });
    }
    expect(webhookJobs(api.db)).to.have.length(0);
  });

  it('answers 413 to a body over the limit', async () => {
    api = await startWebhookApi({ huggingfaceBodyLimitBytes: 4096 });
    const response = await postHf(api.url, { event: { scope: 'repo', action: 'update' }, repo: { type: 'model', name: 'a/b', pad: 'x'.repeat(10_000) } });
    expect(response.status).to.equal(413);
  });

  it('counts refused secrets against the deliveries\' own rate limit, so guessing is throttled', async () => {
    api = await startWebhookApi({ huggingfacePerMinute: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await postHf(api.url, { guess: i }, `guess-${i}`)).status);
    statuses.push((await postHf(api.url, { event: { scope: 'repo', action: 'update' }, repo: { type: 'model', name: 'a/b' } })).status);
    expect(statuses).to.deep.equal([401, 401, 401, 429, 429]);
  });

  it('keeps deliveries apart from the API\'s anonymous rate limit, both ways', async () => {
    api = await startWebhookApi({ perMinuteAnonymous: 2, huggingfacePerMinute: 100 });
    const apiCalls: number[] = [];
    for (let i = 0; i < 3; i++) apiCalls.push((await fetch(`${api.url}/v1/actors`)).status);
    expect(apiCalls, 'anonymous API calls spend their own bucket').to.deep.equal([200, 200, 429]);
    const deliveries: number[] = [];
    for (let i = 0; i < 5; i++) deliveries.push((await postHf(api.url, { event: { scope: 'repo', action: 'update' }, repo: { type: 'model', name: `a/b${i}`, headSha: `sha${i}` } })).status);
    expect(deliveries, 'while the address is out of API calls, its deliveries still land').to.deep.equal([202, 202, 202, 202, 202]);
    expect(api.received()).to.equal(5);
  });

  it('maps scopes to the closest known one', () => {
    expect(['repo', 'repo.content', 'repo.config', 'discussion', 'discussion.comment'].map(hfScopeOf)).to.deep.equal(['repo', 'repo.content', 'repo.config', 'discussion', 'discussion.comment']);
    expect(hfScopeOf('repo.content.foo.bar')).to.equal('repo.content');
    expect(hfScopeOf('discussion.reaction')).to.equal('discussion');
    expect(hfScopeOf('repository')).to.equal(undefined);
    expect(hfScopeOf('')).to.equal(undefined);
  });
});
