import { threadNiceValues } from '../../runtime/background-thread.js';
import type { IndexUpkeepReply, IndexUpkeepRequest } from './index-upkeep-process.js';
import { VectorStore } from './vector-store.js';

// One request, one reply, then exit: the parent forks a process per run.
process.once('message', (request: IndexUpkeepRequest) => {
  void run(request).then(
    (reply) => process.send!(reply, () => process.exit(0)),
    (error: unknown) => {
      const failure = error instanceof Error ? { name: error.name, message: error.message } : { name: 'Error', message: String(error) };
      process.send!({ error: failure } satisfies IndexUpkeepReply, () => process.exit(1));
    },
  );
});
// The parent went away (it stopped or died): LanceDB commits are atomic, so stopping here leaves
// at most unreferenced files, which a later optimize removes.
process.once('disconnect', () => process.exit(1));

async function run(request: IndexUpkeepRequest): Promise<IndexUpkeepReply> {
  const store = await VectorStore.open(request.dir, request.dimensions, { table: request.table, ann: request.ann });
  try {
    const report = request.idIndexOnly ? await store.refreshIdIndex() : await store.maintainIndexHere(request.takeInNewRows);
    return { report, threadNiceness: threadNiceValues() };
  } finally {
    store.close();
  }
}
