/**
 * Compares two V8 heap snapshots (`.heapsnapshot`, e.g. from the soak's `--heap-snapshots`): the
 * object groups (by constructor for objects, by type for strings, arrays, code…) that grew most in
 * self size and count between them.
 * Run: node --max-old-space-size=6144 --import tsx bench/support/heap-diff.ts BEFORE AFTER [TOP]
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Self size and count per group. */
function groups(file: string): Map<string, { size: number; count: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const out = new Map<string, { size: number; count: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!]!;
    const name = type === 'object' || type === 'closure' || type === 'native' ? `${type} ${snap.strings[snap.nodes[i + nameAt]!]}` : type;
    const g = out.get(name) ?? { size: 0, count: 0 };
    g.size += snap.nodes[i + sizeAt]!;
    g.count++;
    out.set(name, g);
  }
  return out;
}

const [before, after, top] = process.argv.slice(2);
if (!before || !after) {
  console.error('usage: heap-diff.ts BEFORE.heapsnapshot AFTER.heapsnapshot [TOP]');
  process.exit(2);
}
const a = groups(before);
const b = groups(after);
const total = (m: Map<string, { size: number }>) => [...m.values()].reduce((n, g) => n + g.size, 0);
console.log(`heap self size: ${(total(a) / 1_048_576).toFixed(1)} → ${(total(b) / 1_048_576).toFixed(1)} MiB`);
const rows = [...new Set([...a.keys(), ...b.keys()])].map((name) => {
  const x = a.get(name) ?? { size: 0, count: 0 };
  const y = b.get(name) ?? { size: 0, count: 0 };
  return { name, dSize: y.size - x.size, dCount: y.count - x.count, size: y.size, count: y.count };
});
rows.sort((p, q) => q.dSize - p.dSize);
console.log('grew most (Δ MiB, Δ count, now MiB, now count, group):');
for (const r of rows.slice(0, Number(top ?? 25))) console.log(`${(r.dSize / 1_048_576).toFixed(2).padStart(9)} ${String(r.dCount).padStart(9)} ${(r.size / 1_048_576).toFixed(2).padStart(9)} ${String(r.count).padStart(9)}  ${r.name.slice(0, 100)}`);
