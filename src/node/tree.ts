import type { Config } from '../config/schema.js';
import type { ActorSystem, ChildSpec, SupervisorOptions } from '../supervisors/index.js';

/** What each role's tree is made of; later parts of paperd add their actors here. */
export interface NodeParts {
  readonly storage: readonly ChildSpec[];
  readonly sources: readonly ChildSpec[];
  readonly pipeline: readonly ChildSpec[];
  readonly offline: readonly ChildSpec[];
  readonly sandbox: readonly ChildSpec[];
  readonly link: readonly ChildSpec[];
}

export const noParts: NodeParts = { storage: [], sources: [], pipeline: [], offline: [], sandbox: [], link: [] };

/**
 * The supervision tree of ARCHITECTURE.md §2. Storage is rest_for_one: vector sync and blobs
 * depend on the journal writer, so a writer restart restarts them too. A gpu or mac node runs
 * only what it serves (pipeline, offline, link).
 */
export function buildTree(system: ActorSystem, config: Config, parts: NodeParts): ChildSpec {
  const options = (strategy: SupervisorOptions['strategy']): SupervisorOptions => ({
    strategy,
    intensity: config.supervision.intensity,
    periodMs: config.supervision.periodMs,
    backoff: config.supervision.backoff,
  });
  const serving = config.node === 'gpu' || config.node === 'mac';
  const children = [
    ...(serving ? [] : [system.supervisor('storage', parts.storage, options('rest_for_one'))]),
    ...(serving ? [] : [system.supervisor('sources', parts.sources, options('one_for_one'))]),
    system.supervisor('pipeline', parts.pipeline, options('one_for_one')),
    system.supervisor('offline', parts.offline, options('one_for_one')),
    ...(serving ? [] : [system.supervisor('sandbox', parts.sandbox, options('one_for_one'))]),
    system.supervisor('link', parts.link, options('one_for_one')),
  ];
  return system.supervisor('root', children, options('one_for_one'));
}
