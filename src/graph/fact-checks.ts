import { BadInputError } from '../errors.js';
import type { EdgeKind, EntityKind, EntityRef, FactProvenance, GraphFacts } from './facts.js';

/** Every entity kind, as `EntityKind` lists them. */
export const ENTITY_KINDS: readonly EntityKind[] = ['paper', 'author', 'model', 'dataset', 'space', 'repository', 'task', 'method', 'category'];
/** Every edge kind, as `EdgeKind` lists them. */
export const EDGE_KINDS: readonly EdgeKind[] = ['authored', 'has_code', 'implements', 'uses_dataset', 'introduces', 'evaluates_on', 'mentions', 'cites', 'related', 'co_author', 'in_category'];

const MAX_KEY_CHARS = 500;
const MAX_NAME_CHARS = 1000;
const MAX_ATTRS_CHARS = 64 * 1024;

function checkRef(ref: EntityRef, where: string): void {
  if (!ENTITY_KINDS.includes(ref?.kind)) throw new BadInputError(`${where}: entity kind ${String(ref?.kind)} is not one of ${ENTITY_KINDS.join(', ')}`);
  if (typeof ref.key !== 'string' || ref.key.length === 0 || ref.key.length > MAX_KEY_CHARS || ref.key.trim() !== ref.key) {
    throw new BadInputError(`${where}: key of ${ref.kind} must be 1 to ${MAX_KEY_CHARS} characters without surrounding space`);
  }
}

/**
 * Checks a batch before anything of it is written, so a bad fact rejects the whole batch.
 * @throws BadInputError naming the first bad fact
 */
export function validateFacts(facts: GraphFacts, provenance: FactProvenance): void {
  if (typeof provenance?.source !== 'string' || provenance.source.length === 0 || provenance.source.length > 100) {
    throw new BadInputError('fact provenance needs a source of 1 to 100 characters');
  }
  if (!Number.isSafeInteger(provenance.at) || provenance.at < 0) throw new BadInputError(`fact provenance time ${provenance.at} is not ms since epoch`);
  facts.entities.forEach((e, i) => {
    checkRef(e, `entity ${i}`);
    if (e.name !== undefined && (typeof e.name !== 'string' || e.name.length > MAX_NAME_CHARS)) throw new BadInputError(`entity ${i}: name must be a string of at most ${MAX_NAME_CHARS} characters`);
    if (e.attrs !== undefined) {
      if (e.attrs === null || typeof e.attrs !== 'object' || Array.isArray(e.attrs)) throw new BadInputError(`entity ${i}: attrs must be an object`);
      if (JSON.stringify(e.attrs).length > MAX_ATTRS_CHARS) throw new BadInputError(`entity ${i}: attrs exceed ${MAX_ATTRS_CHARS} characters of JSON`);
    }
  });
  facts.edges.forEach((edge, i) => {
    checkRef(edge.from, `edge ${i} from`);
    checkRef(edge.to, `edge ${i} to`);
    if (!EDGE_KINDS.includes(edge.kind)) throw new BadInputError(`edge ${i}: kind ${String(edge.kind)} is not one of ${EDGE_KINDS.join(', ')}`);
    if (edge.weight !== undefined && !Number.isFinite(edge.weight)) throw new BadInputError(`edge ${i}: weight ${edge.weight} is not a finite number`);
  });
}
