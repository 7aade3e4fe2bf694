/** What a key may do. `admin` includes every other scope; `write` includes `read`. */
export const SCOPES = ['read', 'write', 'admin', 'sandbox'] as const;
export type Scope = (typeof SCOPES)[number];

const implied: Record<Scope, readonly Scope[]> = {
  read: ['read'],
  write: ['write', 'read'],
  sandbox: ['sandbox', 'read'],
  admin: ['admin', 'write', 'read', 'sandbox'],
};

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** Whether a key holding `held` may do what needs `needed`. */
export function grants(held: readonly Scope[], needed: Scope): boolean {
  return held.some((s) => implied[s].includes(needed));
}
