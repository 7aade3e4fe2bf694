/** The shapes the page reads from the API (see src/api/routes/*). */

export interface Facet {
  value: string;
  count: number;
}

export interface SearchHit {
  id: string;
  version: number;
  title: string;
  authors: string[];
  published: string | null;
  primaryCategory: string | null;
  categories: string[];
  hasCode: boolean;
  rank: number;
  score: number;
  /** HTML: matched words in <mark>, everything else escaped. Rendered by parsing, never as innerHTML. */
  snippet: string;
}

export interface SearchResult {
  mode: string;
  embedder: string;
  hits: SearchHit[];
  total: number;
  facets: { categories: Facet[]; years: Facet[] };
  reason?: string;
  degraded?: string;
  narrowed?: string;
}

export interface PaperDetails {
  id: string;
  version: number;
  title: string;
  abstract: string;
  authors: { name: string; affiliations: string[] }[];
  categories: string[];
  primaryCategory: string | null;
  published: string | null;
  updated: string | null;
  comment: string | null;
  journalRef: string | null;
  doi: string | null;
  license: string | null;
  source: string;
  hasCode: boolean;
  pdf: { status: string; sha256: string | null; error: string | null };
  text: { status: string; chars: number };
  versions: { version: number; title: string; updated: string | null }[];
  links: { rel: string; href: string }[];
  summary: string | null;
  enrichment: {
    version: number;
    tags: string[];
    entities: { models: string[]; datasets: string[]; tasks: string[]; methods: string[]; codeUrls: string[]; huggingFaceIds: string[] };
    producer: string;
    model: string | null;
  } | null;
}

export interface Entity {
  id: string;
  kind: string;
  key: string;
  name: string | null;
  attrs: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

export interface Edge {
  from: string;
  kind: string;
  to: string;
  weight: number;
  sources: string[];
  at: number;
}

export interface CodeLinks {
  paper: string;
  repositories: { entity: Entity; edges: Edge[] }[];
  models: { entity: Entity; edges: Edge[] }[];
  datasets: { entity: Entity; edges: Edge[] }[];
  spaces: { entity: Entity; edges: Edge[] }[];
  truncated: boolean;
}

export interface Neighbors {
  id: string;
  neighbors: { entity: Entity; distance: number; via: Edge }[];
  truncated: boolean;
}

export type ActorStatus = 'idle' | 'starting' | 'running' | 'failed' | 'restarting' | 'stopping' | 'stopped';

export interface ActorNode {
  path: string;
  name: string;
  kind: 'worker' | 'supervisor';
  status: ActorStatus;
  depth: number;
  queued: number;
  inFlight: number;
  handled: number;
  restarts: number;
  lastError: { name: string; message: string; stack: string; at: number } | null;
  summary: Record<string, unknown> | null;
  children: ActorNode[];
}

export interface RemoteNode {
  name: string;
  /** This node itself. */
  self?: boolean;
  state: 'up' | 'suspect' | 'down';
  lastHeardMsAgo?: number | null;
  tree?: ActorNode[] | null;
  error?: string | null;
}

export interface ActorsResponse {
  node: string;
  tree: ActorNode[];
  nodes?: RemoteNode[];
}

export interface RestartEntry {
  id?: number;
  at: number;
  event: 'restart' | 'give_up' | 'escalate';
  actor: string;
  supervisor: string;
  strategy: string;
  errorName: string;
  errorMessage: string;
  attempt: number;
  delayMs: number;
  restarted: string[];
}

export interface InspectionEvent {
  type: string;
  path: string;
  at: number;
  [more: string]: unknown;
}

export interface StoreStats {
  papers: number;
  versions: number;
  authors: number;
  withFullText: number;
  withCode: number;
  jobs: Record<string, number>;
  lastAnnouncement: string | null;
  pipelineDepth: number | null;
}

export interface PipelineState {
  depth: number;
  paused: boolean;
  highWatermark: number;
  lowWatermark: number;
  crossings: { paused: number; resumed: number };
}

export interface LlmEndpoint {
  name: string;
  kind: string;
  baseUrl: string;
  models: string[];
  state: 'up' | 'cooling' | 'down';
  reason: string | null;
  inFlight: number;
  requests: number;
  errors: number;
  latency: { p50Ms: number | null; ewmaMs: number | null };
  lastProbe: { at: number; ok: boolean; message: string | null } | null;
}

export interface JobClass {
  name: string;
  priority?: number;
  paused: boolean;
  state?: string;
  queued?: number;
  running?: number;
  done?: number;
  failed?: number;
  ratePerMinute?: number | null;
  etaSeconds?: number | null;
  window?: string;
  /** Why it waits, or its last error. */
  note?: string;
}

export interface JobsResponse {
  paused: boolean;
  classes: JobClass[];
  gpuLeases?: { node: string; holder: string | null; until: number | null }[];
  load?: { level: 'low' | 'moderate' | 'high'; reasons: string[] };
}

export interface PapersPerDay {
  from: string;
  until: string;
  days: { day: string; count: number }[];
}
