export { ActorRef, tell, ask } from './actor-ref.js';
export type { ActorContext, Behavior } from './behavior.js';
export { backoffDelay, defaultBackoff, type BackoffPolicy } from './backoff.js';
export type { ChildSpec, ChildOptions, RestartType, Strategy, SupervisorSpec } from './child-spec.js';
export { Registry, type ActorNode, type ActorStatus, type InspectionEvent, type InspectionObserver } from './registry.js';
export { SqliteRestartLog, queryRestartLog, type RestartLog, type RestartRecord, type RestartLogQuery } from './restart-log.js';
export { ActorSystem, type ActorSystemOptions, type SupervisorOptions, type SpecWithRef } from './system.js';
export { DepthWatcher, type DepthCrossing } from './depth-watcher.js';
