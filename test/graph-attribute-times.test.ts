import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { expect } from 'chai';
import { GraphStore } from '../src/graph/index.js';
import { ManualClock } from '../src/runtime/manual-clock.js';
import { openDatabase } from '../src/storage/sqlite/database.js';
import { deliveryFacts } from '../src/webhooks/webhook-stage.js';
import { githubEventTime } from '../src/webhooks/github-facts.js';
import { requireShared, sharedPath } from './support/shared.js';

const repo = { kind: 'repository', key: 'github.com/org/tool' } as const;

describe('graph attributes dated by when their source said them', () => {
  let dir: string;
  let db: Database;
  let graph: GraphStore;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperd-graph-times-'));
    db = openDatabase(path.join(dir, 'paperd.sqlite'));
    graph = new GraphStore(db, new ManualClock(1_700_000_000_000));
  });

  afterEach(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps newer news when older news arrives late, attribute by attribute', () => {
    graph.apply({ entities: [{ ...repo, attrs: { stars: 10, license: 'MIT' } }], edges: [] }, { source: 'github-poller', at: 2_000 });
    const late = graph.apply({ entities: [{ ...repo, attrs: { stars: 5, description: 'a tool' } }], edges: [] }, { source: 'github-webhook', at: 1_000 });
    expect(late.entities).to.equal(1, 'the description was new, so the row changed');
    expect(graph.entity('repository:github.com/org/tool')!.attrs).to.deep.equal({ stars: 10, license: 'MIT', description: 'a tool' });

    graph.apply({ entities: [{ ...repo, attrs: { stars: 12 } }], edges: [] }, { source: 'github-webhook', at: 3_000 });
    expect(graph.entity('repository:github.com/org/tool')!.attrs.stars).to.equal(12);
  });

  it('does not bring back a removed attribute with news older than its removal', () => {
    graph.apply({ entities: [{ ...repo, attrs: { homepage: 'https://a.example' } }], edges: [] }, { source: 'github-webhook', at: 1_000 });
    graph.apply({ entities: [{ ...repo, attrs: { homepage: null } }], edges: [] }, { source: 'github-webhook', at: 3_000 });
    graph.apply({ entities: [{ ...repo, attrs: { homepage: 'https://a.example' } }], edges: [] }, { source: 'github-poller', at: 2_000 });
    expect(graph.entity('repository:github.com/org/tool')!.attrs).to.not.have.property('homepage');
  });

  it('changes nothing when the same facts are replayed, and merges nested objects as a JSON merge patch', () => {
    const release = { latest_release: { tag_name: 'v1', name: 'one' } };
    graph.apply({ entities: [{ ...repo, attrs: release }], edges: [] }, { source: 'github-poller', at: 1_000 });
    expect(graph.apply({ entities: [{ ...repo, attrs: release }], edges: [] }, { source: 'github-poller', at: 1_000 }).entities).to.equal(0);
    graph.apply({ entities: [{ ...repo, attrs: { latest_release: { name: null, tag_name: 'v2' } } }], edges: [] }, { source: 'github-webhook', at: 2_000 });
    expect(graph.entity('repository:github.com/org/tool')!.attrs.latest_release).to.deep.equal({ tag_name: 'v2' });
  });

  it('dates recorded GitHub deliveries by their own event time: a late star does not undo the unstar after it', function () {
    requireShared(this, 'github-webhooks', 'star');
    const shared = sharedPath('fixtures', 'github-webhooks', 'star');
    const read = (name: string) => JSON.parse(fs.readFileSync(path.join(shared, name), 'utf8')) as Record<string, unknown>;
    const starred = read('created.payload.json');
    const unstarred = read('deleted.payload.json');
    const receivedAt = Date.parse('2024-01-01T00:00:00Z');
    expect(githubEventTime('star', starred, receivedAt)).to.equal(Date.parse('2019-05-15T15:20:40Z'));
    expect(githubEventTime('star', unstarred, receivedAt), 'no starred_at: the repository update time').to.equal(Date.parse('2019-05-15T15:20:41Z'));
    expect(githubEventTime('star', starred, Date.parse('2019-01-01T00:00:00Z')), 'never after arrival').to.equal(Date.parse('2019-01-01T00:00:00Z'));
    expect(githubEventTime('ping', {}, receivedAt)).to.equal(receivedAt);

    // Delivered out of order: the unstar first, then the star that happened a second before it.
    for (const body of [unstarred, starred]) {
      const { facts, provenance } = deliveryFacts({ provider: 'github', event: 'star', body } as never, receivedAt);
      graph.apply(facts, provenance);
    }
    const repoKey = (starred.repository as { full_name: string }).full_name.toLowerCase();
    const entity = graph.entity(`repository:github.com/${repoKey}`)!;
    expect(entity.attrs.stars).to.equal((unstarred.repository as { stargazers_count: number }).stargazers_count);
  });
});
