const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
const unescape = (text: string) => text.replace(/&(amp|lt|gt|quot|#39);/g, (m) => ENTITIES[m]!);

/** One run of a snippet's text, matched (shown in <mark>) or not. */
export interface SnippetPart {
  readonly text: string;
  readonly marked: boolean;
}

/**
 * Parts of a search snippet: the API escapes every character of the paper's text and wraps
 * matched words in <mark>…</mark>. Those two tags are the only markup read; anything else stays
 * text, and the parts are rendered as text nodes, never as HTML.
 */
export function snippetParts(html: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  const pattern = /<mark>([\s\S]*?)<\/mark>/g;
  let last = 0;
  for (let m = pattern.exec(html); m; m = pattern.exec(html)) {
    if (m.index > last) parts.push({ text: unescape(html.slice(last, m.index)), marked: false });
    parts.push({ text: unescape(m[1]!), marked: true });
    last = m.index + m[0].length;
  }
  if (last < html.length) parts.push({ text: unescape(html.slice(last)), marked: false });
  return parts;
}
