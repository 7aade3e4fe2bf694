// The entry of the child process that keeps a vector table's index (see index-upkeep-process.ts).
// Plain JavaScript, since nothing can load TypeScript until tsx has registered. The process lowers
// its threads' CPU priority (nice 10, and SCHED_IDLE where it can) before LanceDB makes any of its
// own, which inherit it.
import { register } from 'tsx/esm/api';

register();
const { runAsBackgroundProcess, runAsIdleProcess } = await import('../../runtime/background-thread.ts');
runAsBackgroundProcess();
runAsIdleProcess();
await import('./index-upkeep-child-main.ts');
