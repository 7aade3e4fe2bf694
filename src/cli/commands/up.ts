import { Option, type Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { startNode } from '../../node/start.js';
import { createLogger } from '../../runtime/logger.js';

/** `paperd up`: runs a node until SIGINT/SIGTERM, or exits 1 when its root supervisor gives up. */
export function registerUp(program: Command): void {
  program
    .command('up')
    .description("start a node's actor system and its API")
    .addOption(new Option('--node <role>', 'which node this is').choices(['single', 'main', 'gpu', 'mac']))
    .option('--data <dir>', 'data directory (created on first start)')
    .option('--port <n>', 'API port', (v) => Number(v))
    .option('--host <addr>', 'API address to bind')
    .option('--config <file>', 'JSON config file')
    .action(async (opts: { node?: string; data?: string; port?: number; host?: string; config?: string }) => {
      const overrides: Record<string, unknown> = {};
      if (opts.node) overrides.node = opts.node;
      if (opts.data) overrides.dataDir = opts.data;
      if (opts.port !== undefined || opts.host) overrides.api = { ...(opts.port !== undefined ? { port: opts.port } : {}), ...(opts.host ? { host: opts.host } : {}) };
      const config = loadConfig({ file: opts.config, overrides });
      const log = createLogger({ level: config.log.level });
      let exiting = false;
      const exit = async (code: number) => {
        if (exiting) return;
        exiting = true;
        await node.stop().catch((error: unknown) => log.error({ err: error }, 'error while stopping'));
        log.flush();
        process.exit(code);
      };
      const node = await startNode(config, log, () => void exit(1));
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, () => {
          log.info({ signal }, 'stopping');
          void exit(0);
        });
      }
    });
}
