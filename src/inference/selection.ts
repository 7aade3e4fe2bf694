import type { Random } from '../runtime/clock.js';
import type { Endpoint } from './endpoint.js';

function weighted(endpoints: readonly Endpoint[], random: Random): Endpoint {
  const total = endpoints.reduce((sum, e) => sum + e.settings.weight, 0);
  let r = random() * total;
  for (const e of endpoints) {
    r -= e.settings.weight;
    if (r < 0) return e;
  }
  return endpoints[endpoints.length - 1]!;
}

/**
 * The endpoint to try next among `candidates` (all willing to take a request): the lowest priority
 * number first; among equals, a weighted draw over those with a free slot, or else the one whose
 * line is shortest for its size. A busy preferred endpoint is queued for, not skipped: priority
 * says where work should run, and the deadline bounds the wait.
 */
export function chooseEndpoint(candidates: readonly Endpoint[], random: Random): Endpoint | undefined {
  if (candidates.length === 0) return undefined;
  const best = Math.min(...candidates.map((e) => e.settings.priority));
  const tier = candidates.filter((e) => e.settings.priority === best);
  const free = tier.filter((e) => e.gate.hasRoom);
  if (free.length > 0) return weighted(free, random);
  const load = (e: Endpoint) => {
    const q = e.gate.queued;
    return (e.gate.inFlight + q.online + q.offline) / (e.settings.concurrency * e.settings.weight);
  };
  const least = Math.min(...tier.map(load));
  return weighted(tier.filter((e) => load(e) === least), random);
}
