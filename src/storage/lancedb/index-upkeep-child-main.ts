import { threadNiceValues, threadSchedulingPolicies } from '../../runtime/background-thread.js';
import { failedReply } from '../../runtime/run-in-worker.js';
import type { IndexUpkeepAnswer, IndexUpkeepMessage, IndexUpkeepReply, IndexUpkeepRequest } from './index-upkeep-process.js';
import { VectorStore } from './vector-store.js';

// Runs come one at a time (the parent waits for each answer before it sends the next); the
// process stays for the next one unless it grew too large.
process.on('message', ({ run, request, maxRssBytes }: IndexUpkeepMessage) => {
  void answer(request).then((reply) => {
    const recycle = process.memoryUsage.rss() > maxRssBytes;
    process.send!({ ...reply, run, pid: process.pid, recycle } satisfies IndexUpkeepAnswer, () => {
      if (recycle) process.exit(0);
    });
  });
});
// The parent went away (it stopped or died): LanceDB commits are atomic, so stopping here leaves
// at most unreferenced files, which a later optimize removes.
process.once('disconnect', () => process.exit(1));

async function answer(request: IndexUpkeepRequest): Promise<IndexUpkeepReply> {
  try {
    return await run(request);
  } catch (error) {
    return { error: failedReply(error) };
  }
}

async function run(request: IndexUpkeepRequest): Promise<IndexUpkeepReply> {
  const store = await VectorStore.open(request.dir, request.dimensions, { table: request.table, ann: request.ann });
  try {
    const report = request.idIndexOnly ? await store.refreshIdIndex() : await store.maintainIndexHere(request.takeInNewRows);
    return { report, threadNiceness: threadNiceValues(), threadPolicies: threadSchedulingPolicies() };
  } finally {
    store.close();
  }
}
