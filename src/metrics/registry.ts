import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Registry as ActorRegistry } from '../supervisors/registry.js';
import { registerActorMetrics } from './actor-metrics.js';

/** One Prometheus registry per node: process metrics plus the actors'. */
export function createMetrics(actors: ActorRegistry, node: string): Registry {
  const prom = new Registry();
  prom.setDefaultLabels({ node });
  collectDefaultMetrics({ register: prom, prefix: 'paperd_' });
  registerActorMetrics(prom, actors);
  return prom;
}
