import type { PaperRecord } from '../protocols/paper.js';
import type { RecordSink } from '../sources/arxiv/oai-harvester.js';
import type { ArxivPriority } from '../sources/arxiv/rate-limiter.js';
import { JOB_PRIORITY, type Journal } from '../storage/sqlite/journal.js';
import { ingestJob } from '../ingest/import-files.js';
import type { Ingestion } from './ingestion.js';

/**
 * Where sources put what they found: the journal, one transaction per batch with its dedup keys,
 * after waiting for pipeline capacity; then the indexer is woken.
 */
export function journalSink(journal: Journal, ingestion: Ingestion): RecordSink {
  return {
    async accept(records: readonly PaperRecord[], priority: ArxivPriority) {
      await ingestion.watcher.waitForCapacity();
      const results = await journal.acceptManyInTurn(records.map((r) => ingestJob(r, JOB_PRIORITY[priority])));
      const accepted = results.filter((r) => r.created).length;
      if (accepted > 0) ingestion.nudge();
      return { accepted, duplicates: results.length - accepted };
    },
    waitForCapacity: () => ingestion.watcher.waitForCapacity(),
  };
}
