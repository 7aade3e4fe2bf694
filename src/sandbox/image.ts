import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where the image's build inputs live. */
export const SANDBOX_IMAGE_DIR = fileURLToPath(new URL('../../docker/sandbox/', import.meta.url));

// Keep in step with docker/sandbox/build.sh: the same files, in the same order.
const INPUTS = ['packages.txt', 'base.sh', 'Dockerfile', 'helpers/paperd.py', 'helpers/paperd.js'];

/**
 * The name `docker/sandbox/build.sh` gives the image it builds from this checkout: a hash of its
 * inputs, so code and image cannot silently disagree.
 */
export function sandboxImageName(dir = SANDBOX_IMAGE_DIR): string {
  const hash = createHash('sha256');
  for (const file of INPUTS) hash.update(readFileSync(`${dir}/${file}`));
  return `paperd-sandbox:${hash.digest('hex').slice(0, 12)}`;
}
