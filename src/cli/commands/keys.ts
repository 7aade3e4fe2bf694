import type { Command } from 'commander';
import { createApiKey, listApiKeys, revokeApiKey } from '../../auth/api-keys.js';
import { openDatabase, sqlitePath } from '../../storage/sqlite/database.js';
import { mkdirSync } from 'node:fs';
import { keyFilePath, newNodeKeys, writeNodeKeys } from '../../link/node-keys.js';

function withStore<T>(dataDir: string, fn: (db: ReturnType<typeof openDatabase>) => T): T {
  mkdirSync(dataDir, { recursive: true });
  const db = openDatabase(sqlitePath(dataDir));
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

const collect = (value: string, previous: string[]) => [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];

/** `paperd keys`: API keys, stored hashed; a new key is printed once. */
export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('API keys: create, list, revoke');
  keys
    .command('create')
    .description('make a key (printed once; only its hash is stored)')
    .requiredOption('--scope <scope>', 'read, write, llm, admin or sandbox (repeat or comma-separate for several)', collect, [])
    .option('--label <text>', 'what the key is for')
    .option('--data <dir>', 'data directory', './data')
    .option('--json', 'machine output: {"id", "key", "scopes"}')
    .action((opts: { scope: string[]; label?: string; data: string; json?: boolean }) => {
      const created = withStore(opts.data, (db) => createApiKey(db, opts.scope, opts.label));
      if (opts.json) return void console.log(JSON.stringify(created));
      console.log(`key ${created.id} (${created.scopes.join(', ')}):\n\n  ${created.key}\n\nIt is shown this once; send it as "Authorization: Bearer <key>".`);
    });
  keys
    .command('list')
    .description('the keys, without their secrets')
    .option('--data <dir>', 'data directory', './data')
    .option('--json', 'machine output')
    .action((opts: { data: string; json?: boolean }) => {
      const all = withStore(opts.data, (db) => listApiKeys(db));
      if (opts.json) return void console.log(JSON.stringify({ keys: all }));
      for (const k of all) {
        const state = k.revokedAt ? `revoked ${new Date(k.revokedAt).toISOString()}` : k.lastUsedAt ? `last used ${new Date(k.lastUsedAt).toISOString()}` : 'never used';
        console.log(`${k.id}  ${k.scopes.join(',').padEnd(14)} ${state}${k.label ? `  ${k.label}` : ''}`);
      }
    });
  keys
    .command('node')
    .description("make this node's CURVE key pair for the link (the secret stays in the data dir; give the public key to its peers)")
    .option('--data <dir>', 'data directory', './data')
    .option('--file <path>', 'where to write it (relative to the data dir)', 'node-key.json')
    .option('--force', 'replace an existing key pair')
    .option('--json', 'machine output: {"publicKey", "file"}')
    .action((opts: { data: string; file: string; force?: boolean; json?: boolean }) => {
      mkdirSync(opts.data, { recursive: true });
      const file = keyFilePath(opts.data, opts.file);
      const keys = newNodeKeys();
      writeNodeKeys(file, keys, opts.force ?? false);
      if (opts.json) return void console.log(JSON.stringify({ publicKey: keys.publicKey, file }));
      console.log(`wrote ${file} (readable by its owner only)\npublic key, for link.peers[].publicKey on the other nodes:\n\n  ${keys.publicKey}\n`);
    });
  keys
    .command('revoke')
    .argument('<id>', 'the key id (the part after pdk_)')
    .option('--data <dir>', 'data directory', './data')
    .action((id: string, opts: { data: string }) => {
      withStore(opts.data, (db) => revokeApiKey(db, id));
      console.log(`revoked ${id}`);
    });
}
