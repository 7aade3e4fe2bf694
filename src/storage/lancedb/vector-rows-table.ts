import { createRequire } from 'node:module';
import type * as Arrow from 'apache-arrow';

/**
 * apache-arrow as LanceDB sees it. LanceDB is CommonJS and checks tables and types with
 * `instanceof` against its own copy, the package's CommonJS build; this project's ESM imports load
 * the ESM build, whose classes fail those checks, so a table built from them is refused.
 */
export const arrow = createRequire(import.meta.url)('apache-arrow') as typeof Arrow;

/** The Arrow schema of a vector table of `dimensions`. */
export function vectorSchema(dimensions: number): Arrow.Schema {
  return new arrow.Schema([
    new arrow.Field('id', new arrow.Utf8(), false),
    new arrow.Field('vector', new arrow.FixedSizeList(dimensions, new arrow.Field('item', new arrow.Float32(), true)), false),
    new arrow.Field('embedder', new arrow.Utf8(), false),
    new arrow.Field('updated', new arrow.Utf8(), true),
  ]);
}

/**
 * Rows as an Arrow table of `vectorSchema(dimensions)`, the vectors copied into one buffer. Given
 * plain rows, LanceDB infers a schema and builds the table value by value: 256 rows of 256
 * dimensions took about 5 ms of the event loop and left a heap of garbage; this takes a copy.
 */
export function vectorRowsTable(rows: readonly { id: string; vector: Float32Array; embedder: string; updated: string }[], dimensions: number): Arrow.Table {
  const schema = vectorSchema(dimensions);
  const flat = new Float32Array(rows.length * dimensions);
  rows.forEach((row, i) => flat.set(row.vector, i * dimensions));
  const strings = (values: string[]) => arrow.vectorFromArray(values, new arrow.Utf8()).data[0]!;
  const vectors = arrow.makeData({
    type: schema.fields[1]!.type as Arrow.FixedSizeList,
    length: rows.length,
    nullCount: 0,
    child: arrow.makeData({ type: new arrow.Float32(), length: flat.length, nullCount: 0, data: flat }),
  });
  const columns = arrow.makeData({
    type: new arrow.Struct(schema.fields),
    length: rows.length,
    nullCount: 0,
    children: [strings(rows.map((r) => r.id)), vectors, strings(rows.map((r) => r.embedder)), strings(rows.map((r) => r.updated))],
  });
  return new arrow.Table([new arrow.RecordBatch(schema, columns)]);
}
