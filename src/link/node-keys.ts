import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import * as zmq from 'zeromq';
import { LinkConfigError } from '../errors.js';
import type { LinkConfig } from './config.js';

/** A node's CURVE key pair, Z85 text. */
export interface NodeKeys {
  readonly publicKey: string;
  readonly secretKey: string;
}

const Z85_KEY = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;

/** A fresh key pair. */
export function newNodeKeys(): NodeKeys {
  return zmq.curveKeyPair();
}

/** Where the key file of `config` lives for the data dir `dataDir`. */
export function keyFilePath(dataDir: string, keyFile: string): string {
  return isAbsolute(keyFile) ? keyFile : join(dataDir, keyFile);
}

/** Writes `keys` readable by the owner only. @throws LinkConfigError when the file exists and `force` is not set */
export function writeNodeKeys(path: string, keys: NodeKeys, force = false): void {
  if (existsSync(path) && !force) throw new LinkConfigError(`${path} already holds a key pair; pass --force to replace it (its peers must then be given the new public key)`);
  writeFileSync(path, JSON.stringify({ publicKey: keys.publicKey, secretKey: keys.secretKey }, null, 2) + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** This node's keys: from `link.publicKey`/`link.secretKey` when set, else from the key file. @throws LinkConfigError */
export function loadNodeKeys(config: LinkConfig, dataDir: string): NodeKeys {
  if (config.publicKey || config.secretKey) {
    if (!config.publicKey || !config.secretKey) throw new LinkConfigError('link.publicKey and link.secretKey go together: set both, or neither and use link.keyFile');
    return { publicKey: config.publicKey, secretKey: config.secretKey };
  }
  const path = keyFilePath(dataDir, config.keyFile);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new LinkConfigError(`no usable link key pair at ${path} (${(error as Error).message}): run "paperd keys node --data ${dataDir}"`, { cause: error });
  }
  const keys = parsed as Partial<NodeKeys> | null;
  if (!keys || typeof keys.publicKey !== 'string' || typeof keys.secretKey !== 'string' || !Z85_KEY.test(keys.publicKey) || !Z85_KEY.test(keys.secretKey)) {
    throw new LinkConfigError(`${path} does not hold {"publicKey", "secretKey"} as 40-character Z85 keys`);
  }
  return { publicKey: keys.publicKey, secretKey: keys.secretKey };
}
