// The entry of the child process that keeps a vector table's index (see index-upkeep-process.ts).
// Plain JavaScript, since nothing can load TypeScript until tsx has registered. The process lowers
// its threads' CPU priority before LanceDB makes any of its own, which inherit it.
import { register } from 'tsx/esm/api';

register();
const { runAsBackgroundProcess } = await import('../../runtime/background-thread.ts');
runAsBackgroundProcess();
await import('./index-upkeep-child-main.ts');
