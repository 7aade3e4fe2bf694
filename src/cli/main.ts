import { Command } from 'commander';
import { PaperdError } from '../errors.js';
import { registerActors } from './commands/actors.js';
import { registerBackfill } from './commands/backfill.js';
import { registerCheck } from './commands/check.js';
import { registerImport } from './commands/import.js';
import { registerKeys } from './commands/keys.js';
import { registerSearch } from './commands/search.js';
import { registerEval } from './commands/eval.js';
import { registerGraph } from './commands/graph.js';
import { registerSandbox } from './commands/sandbox.js';
import { registerRestarts } from './commands/restarts.js';
import { registerUp } from './commands/up.js';
import { registerStatus } from './commands/status.js';
import { registerDrain } from './commands/drain.js';
import { registerJobs } from './commands/jobs.js';
import { registerBackup } from './commands/backup.js';
import { registerRestore } from './commands/restore.js';

const program = new Command('paperd')
  .description('A self-hosted research radar for machine learning')
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) });

registerUp(program);
registerActors(program);
registerRestarts(program);
registerImport(program);
registerCheck(program);
registerBackfill(program);
registerKeys(program);
registerSearch(program);
registerEval(program);
registerGraph(program);
registerSandbox(program);
registerStatus(program);
registerDrain(program);
registerJobs(program);
registerBackup(program);
registerRestore(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const message = error instanceof PaperdError ? `${error.code}: ${error.message}` : (error as Error).stack ?? String(error);
  process.stderr.write(`paperd: ${message}\n`);
  process.exit(error instanceof PaperdError && error.status < 500 ? 2 : 1);
}
