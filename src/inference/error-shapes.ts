/** An upstream's error, whichever shape it came in. */
export interface UpstreamErrorBody {
  readonly message: string;
  readonly type?: string;
  readonly code?: string | number;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
const code = (v: unknown): string | number | undefined => (typeof v === 'string' || typeof v === 'number' ? v : undefined);

function fields(o: Record<string, unknown>, message: string): UpstreamErrorBody {
  const type = text(o.type);
  const c = code(o.code);
  return { message, ...(type === undefined ? {} : { type }), ...(c === undefined ? {} : { code: c }) };
}

/**
 * The error in a parsed body or stream chunk, or undefined when it carries none. Reads vLLM's flat
 * `{object:'error', message, type, code}`, OpenAI's and Ollama's `{error:{message, type, code}}`
 * (which vLLM also uses inside streams, with its flat object as `error`), and Ollama's native
 * `{error:'text'}`.
 */
export function readErrorBody(body: unknown): UpstreamErrorBody | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const o = body as Record<string, unknown>;
  if (o.object === 'error') return fields(o, text(o.message) ?? 'unspecified error');
  const inner = o.error;
  if (typeof inner === 'string') return { message: inner };
  if (typeof inner === 'object' && inner !== null && !Array.isArray(inner)) {
    const e = inner as Record<string, unknown>;
    return fields(e, text(e.message) ?? JSON.stringify(e).slice(0, 500));
  }
  return undefined;
}

/** The error in a raw error body: JSON of any shape above, else its text (trimmed, cut short). */
export function parseErrorText(raw: string, status: number): UpstreamErrorBody {
  try {
    const parsed = readErrorBody(JSON.parse(raw));
    if (parsed) return parsed;
  } catch {
    // Not JSON: a proxy's HTML page or plain text says more than nothing.
  }
  const trimmed = raw.replace(/\s+/g, ' ').trim().slice(0, 300);
  return { message: trimmed === '' ? `HTTP ${status} with no body` : trimmed };
}
