import { snippetParts } from './snippet-parts.js';

/** A snippet as text nodes and <mark> elements: never innerHTML. */
export function Snippet(props: { html: string }) {
  return <p class="snippet">{snippetParts(props.html).map((p, i) => (p.marked ? <mark key={i}>{p.text}</mark> : p.text))}</p>;
}
