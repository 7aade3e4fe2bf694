/** What a key may do. `admin` includes every other scope; `write`, `sandbox` and `llm` include `read`. */
export const SCOPES = ['read', 'write', 'admin', 'sandbox', 'llm'] as const;
export type Scope = (typeof SCOPES)[number];

const implied: Record<Scope, readonly Scope[]> = {
  read: ['read'],
  write: ['write', 'read'],
  sandbox: ['sandbox', 'read'],
  /** Chat and embeddings through the inference router: GPU time, so not for every reader. */
  llm: ['llm', 'read'],
  admin: ['admin', 'write', 'read', 'sandbox', 'llm'],
};

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** Whether a key holding `held` may do what needs `needed`. */
export function grants(held: readonly Scope[], needed: Scope): boolean {
  return held.some((s) => implied[s].includes(needed));
}
