import { copyFile, cp, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Copies a LanceDB directory while its writer goes on, as a consistent set of versions: each
 * table's manifests are listed and copied first, then its data, deletion and index files. Data
 * files are immutable and only old versions' files are ever removed (after an hour), so every
 * manifest copied finds its files; versions committed during the copy are left out, and the copy
 * opens at the newest version whose manifest was taken. The version hint is not copied: it may
 * name a version left out, and LanceDB lists the manifests without it.
 */
export async function copyLanceDb(from: string, to: string): Promise<{ tables: Record<string, number> }> {
  const tables: Record<string, number> = {};
  let entries: string[];
  try {
    entries = await readdir(from);
  } catch {
    return { tables };
  }
  await mkdir(to, { recursive: true });
  for (const entry of entries) {
    const source = join(from, entry);
    const target = join(to, entry);
    if (!(await stat(source)).isDirectory()) {
      await copyFile(source, target);
      continue;
    }
    const versions = join(source, '_versions');
    let manifests: string[] = [];
    try {
      manifests = (await readdir(versions)).filter((f) => f.endsWith('.manifest'));
    } catch {
      // Not a table directory.
    }
    await mkdir(join(target, '_versions'), { recursive: true });
    for (const m of manifests) await copyFile(join(versions, m), join(target, '_versions', m));
    tables[entry] = manifests.length;
    await cp(source, target, { recursive: true, filter: (src) => !src.startsWith(versions) });
  }
  return { tables };
}
