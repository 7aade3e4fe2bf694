import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { EmbeddedModelCorruptError } from '../../errors.js';
import type { LsaModel, LsaProvenance, LsaSettings } from './lsa-model.js';

/*
 * File layout, little-endian:
 *   0  "PDLSA\0\0\0"  magic (8 bytes)
 *   8  u32 format version
 *  12  fit id, 16 ASCII hex digits: the first 64 bits of the SHA-256 of every byte after it
 *  28  u32 length of the JSON header, then the header (settings, provenance, terms), zero-padded to 4 bytes
 *   …  f32 idf[terms], f32 singularValues[dimensions], f32 projection[terms × dimensions]
 */
const MAGIC = Buffer.from('PDLSA\0\0\0', 'latin1');
const FORMAT_VERSION = 1;
const FIT_ID_OFFSET = 12;
const FIT_ID_LENGTH = 16;
const BODY_OFFSET = FIT_ID_OFFSET + FIT_ID_LENGTH;

interface Header {
  readonly settings: LsaSettings;
  readonly provenance: LsaProvenance;
  readonly terms: readonly string[];
}

/**
 * The model as bytes, and its fit id. The fit id is a hash of the content, so equal fits share it,
 * different fits never do, and a damaged file is caught on load.
 */
export function encodeLsaModel(model: LsaModel): { bytes: Buffer; fitId: string } {
  const header: Header = { settings: model.settings, provenance: model.provenance, terms: model.terms };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.length / 4) * 4;
  const arrays = [model.idf, model.singularValues, model.projection];
  const floats = arrays.reduce((n, a) => n + a.length, 0);
  const bytes = Buffer.alloc(BODY_OFFSET + 4 + padded + floats * 4);
  MAGIC.copy(bytes, 0);
  bytes.writeUInt32LE(FORMAT_VERSION, 8);
  bytes.writeUInt32LE(json.length, BODY_OFFSET);
  json.copy(bytes, BODY_OFFSET + 4);
  let offset = BODY_OFFSET + 4 + padded;
  for (const array of arrays) {
    littleEndianBytes(array).copy(bytes, offset);
    offset += array.byteLength;
  }
  const fitId = digestOf(bytes.subarray(BODY_OFFSET));
  bytes.write(fitId, FIT_ID_OFFSET, 'latin1');
  return { bytes, fitId };
}

/**
 * The model in `bytes`, checked against its fit id.
 * @param source names the bytes in errors (a file path)
 * @throws EmbeddedModelCorruptError when they are not an intact model of this format
 */
export function decodeLsaModel(bytes: Uint8Array, source = 'bytes'): { model: LsaModel; fitId: string } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const corrupt = (reason: string, cause?: unknown) => new EmbeddedModelCorruptError(source, reason, cause);
  if (buffer.length < BODY_OFFSET + 4 || !buffer.subarray(0, MAGIC.length).equals(MAGIC)) throw corrupt('not an LSA model file');
  const version = buffer.readUInt32LE(8);
  if (version !== FORMAT_VERSION) throw corrupt(`format version ${version}; this paperd reads ${FORMAT_VERSION}`);
  const fitId = buffer.toString('latin1', FIT_ID_OFFSET, BODY_OFFSET);
  if (digestOf(buffer.subarray(BODY_OFFSET)) !== fitId) throw corrupt(`content does not hash to its fit id ${fitId}`);

  const jsonLength = buffer.readUInt32LE(BODY_OFFSET);
  let header: Header;
  try {
    header = JSON.parse(buffer.toString('utf8', BODY_OFFSET + 4, BODY_OFFSET + 4 + jsonLength)) as Header;
  } catch (error) {
    throw corrupt('header is not JSON', error);
  }
  const { settings, terms } = header;
  if (!Array.isArray(terms) || !Number.isInteger(settings?.dimensions) || settings.dimensions < 1) throw corrupt('header lacks terms or dimensions');
  let offset = BODY_OFFSET + 4 + Math.ceil(jsonLength / 4) * 4;
  const take = (count: number): Float32Array => {
    if (offset + count * 4 > buffer.length) throw corrupt('truncated');
    const array = floatsFrom(buffer.subarray(offset, offset + count * 4));
    offset += count * 4;
    return array;
  };
  const idf = take(terms.length);
  const singularValues = take(settings.dimensions);
  const projection = take(terms.length * settings.dimensions);
  if (offset !== buffer.length) throw corrupt(`${buffer.length - offset} bytes past the end of the model`);
  return { model: { settings, provenance: header.provenance, terms, idf, singularValues, projection }, fitId };
}

function digestOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, FIT_ID_LENGTH);
}

const BIG_ENDIAN = endianness() === 'BE';

function littleEndianBytes(array: Float32Array): Buffer {
  const bytes = Buffer.from(array.buffer, array.byteOffset, array.byteLength);
  return BIG_ENDIAN ? Buffer.from(bytes).swap32() : bytes;
}

/** A copy, so the array is aligned whatever the offset of the slice it came from. */
function floatsFrom(bytes: Buffer): Float32Array {
  const array = new Float32Array(bytes.length / 4);
  const view = Buffer.from(array.buffer);
  bytes.copy(view);
  if (BIG_ENDIAN) view.swap32();
  return array;
}
