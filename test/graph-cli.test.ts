import { expect } from 'chai';
import { GraphStore, paperFacts } from '../src/graph/index.js';
import { openDatabase, sqlitePath } from '../src/storage/sqlite/database.js';
import { runCli, tempDataDir } from './support/node-process.js';

describe('graph CLI', function () {
  this.timeout(60_000);
  let dataDir: string;

  before(() => {
    dataDir = tempDataDir();
    const db = openDatabase(sqlitePath(dataDir));
    const graph = new GraphStore(db);
    graph.apply(paperFacts({ id: '2401.00001', title: 'Sparse attention', authors: [{ name: 'Ada Lovelace' }], categories: ['cs.CL'] }), { source: 'arxiv', at: 1 });
    graph.apply(paperFacts({ id: '2401.00002', title: 'Dense attention', authors: [{ name: 'Ada Lovelace' }], categories: ['cs.LG'] }), { source: 'arxiv', at: 1 });
    graph.apply(
      { entities: [{ kind: 'repository', key: 'github.com/acme/sparse', name: 'acme/sparse', attrs: { stars: 3 } }], edges: [{ from: { kind: 'paper', key: '2401.00001' }, kind: 'has_code', to: { kind: 'repository', key: 'github.com/acme/sparse' } }] },
      { source: 'github-poller', at: 2 },
    );
    db.close();
  });

  it('draws an entity and its neighbours as a tree, a bare paper id accepted', async () => {
    const { code, stdout } = await runCli(['graph', '2401.00001', '--depth', '2', '--data', dataDir]);
    expect(code).to.equal(0);
    expect(stdout).to.match(/^paper:2401\.00001 {2}Sparse attention\n/);
    expect(stdout).to.include('─has_code→ repository:github.com/acme/sparse  acme/sparse  [github-poller]');
    expect(stdout).to.include('←authored─ author:ada lovelace  Ada Lovelace  [arxiv]');
    expect(stdout).to.match(/ {4}└── ─authored→ paper:2401\.00002 {2}Dense attention/);
    expect(stdout).to.include('4 neighbours');
  });

  it('follows only the kinds asked for, as JSON', async () => {
    const { code, stdout } = await runCli(['graph', 'paper:2401.00001', '--kind', 'has_code', '--json', '--data', dataDir]);
    expect(code).to.equal(0);
    const view = JSON.parse(stdout) as { entity: { id: string }; around: { neighbors: { entity: { id: string; attrs: unknown } }[] } };
    expect(view.entity.id).to.equal('paper:2401.00001');
    expect(view.around.neighbors.map((n) => [n.entity.id, n.entity.attrs])).to.deep.equal([['repository:github.com/acme/sparse', { stars: 3 }]]);
  });

  it('exits 2 with the error code for an unknown entity or a depth out of range', async () => {
    const unknown = await runCli(['graph', 'model:none/such', '--data', dataDir]);
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.include('PAPERD_NOT_FOUND');
    const deep = await runCli(['graph', '2401.00001', '--depth', '9', '--data', dataDir]);
    expect(deep.code).to.equal(2);
    expect(deep.stderr).to.include('PAPERD_BAD_INPUT');
  });
});
