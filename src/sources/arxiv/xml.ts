import { XMLParser, XMLValidator, type EntityDecoderOptions } from 'fast-xml-parser';
import { TextDecoder } from 'node:util';
import { MalformedXmlError, UnsafeXmlError } from '../../errors.js';

/**
 * The one way paperd reads XML from outside: refuses DTDs and entity declarations before parsing,
 * checks well-formedness, decodes only the predefined entities and character references, and
 * resolves namespaces, so callers find elements by namespace URI + local name, never by prefix.
 */

/** Namespace URIs of the documents paperd reads. */
export const NS = {
  atom: 'http://www.w3.org/2005/Atom',
  arxiv: 'http://arxiv.org/schemas/atom',
  opensearch: 'http://a9.com/-/spec/opensearch/1.1/',
  dc: 'http://purl.org/dc/elements/1.1/',
  oai: 'http://www.openarchives.org/OAI/2.0/',
  oaiArxiv: 'http://arxiv.org/OAI/arXiv/',
  oaiArxivRaw: 'http://arxiv.org/OAI/arXivRaw/',
  xml: 'http://www.w3.org/XML/1998/namespace',
} as const;

/** An element with its namespace resolved. */
export interface XmlElement {
  /** The namespace URI, `''` for none. */
  readonly namespace: string;
  readonly localName: string;
  /** As written, for messages: `arxiv:comment`. */
  readonly qualifiedName: string;
  readonly attributes: readonly XmlAttribute[];
  /** Child elements and text (entities decoded, CDATA included), in document order. */
  readonly content: readonly (XmlElement | string)[];
}

/** An attribute with its namespace resolved. */
export interface XmlAttribute {
  /** `''` for an unprefixed attribute: the default namespace does not apply to attributes. */
  readonly namespace: string;
  readonly localName: string;
  readonly value: string;
}

/** Far deeper than any feed or OAI-PMH reply; enforced by the parser, it also bounds the tree build's recursion. */
const MAX_DEPTH = 64;

/**
 * Parses an XML document into its root element. Bytes are decoded per their BOM or XML
 * declaration (UTF-8 when neither says otherwise).
 * @throws UnsafeXmlError for a DTD internal subset, an external DTD or any entity declaration.
 * @throws MalformedXmlError for anything not well-formed, with the line and column where it broke.
 */
export function parseXml(input: string | Uint8Array): XmlElement {
  const xml = (typeof input === 'string' ? input : decodeXmlBytes(input)).replace(/^\uFEFF/, '');
  if (xml.trim() === '') throw new MalformedXmlError('the document is empty');
  refuseDtdAndEntities(xml);
  const verdict = XMLValidator.validate(xml, { allowBooleanAttributes: false });
  if (verdict !== true) throw describeInvalid(xml, verdict.err);
  let nodes: OrderedNode[];
  try {
    nodes = parser.parse(xml) as OrderedNode[];
  } catch (cause) {
    const message = (cause as Error).message;
    const reason = /nested tags exceeded/i.test(message) ? `elements nest deeper than ${MAX_DEPTH} levels` : message;
    throw new MalformedXmlError(reason, undefined, undefined, cause);
  }
  const roots = nodes.filter((n) => tagOf(n) !== undefined);
  if (roots.length !== 1) throw new MalformedXmlError(`expected one root element, found ${roots.length}`);
  return buildElement(roots[0]!, new Map([['xml', NS.xml]]));
}

/** The child elements of `parent` named `{namespace}localName`. */
export function childElements(parent: XmlElement, namespace: string, localName: string): XmlElement[] {
  return parent.content.filter(
    (c): c is XmlElement => typeof c !== 'string' && c.namespace === namespace && c.localName === localName,
  );
}

/** The first child element of `parent` named `{namespace}localName`. */
export function childElement(parent: XmlElement, namespace: string, localName: string): XmlElement | undefined {
  return childElements(parent, namespace, localName)[0];
}

/** All child elements, whatever their name. */
export function elementsOf(parent: XmlElement): XmlElement[] {
  return parent.content.filter((c): c is XmlElement => typeof c !== 'string');
}

/** The text of an element and all its descendants, in document order, untrimmed. */
export function textOf(element: XmlElement): string {
  return element.content.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');
}

/** The text of the first child named `{namespace}localName`, or `undefined` when there is none. */
export function childText(parent: XmlElement, namespace: string, localName: string): string | undefined {
  const child = childElement(parent, namespace, localName);
  return child === undefined ? undefined : textOf(child);
}

/** An attribute's value; `namespace` defaults to none, as for every unprefixed attribute. */
export function attributeOf(element: XmlElement, localName: string, namespace = ''): string | undefined {
  return element.attributes.find((a) => a.localName === localName && a.namespace === namespace)?.value;
}

// ── refusal before parsing ──────────────────────────────────────────────────────────────────

const ENTITY_DECLARATION = /<!ENTITY\s+(%\s+)?([^\s"'>]+)\s+(?:(SYSTEM|PUBLIC)\b\s*("[^"]*"|'[^']*')?|("[^"]*"|'[^']*'))/gi;

/**
 * Entity declarations are the root of XXE and of expansion bombs, and a DTD can bring them in from
 * outside, so both are refused outright rather than processed with limits. A bare
 * `<!DOCTYPE name>` declares nothing and is let through.
 */
function refuseDtdAndEntities(xml: string): void {
  const declarations = [...xml.matchAll(ENTITY_DECLARATION)].map((m) => ({
    parameter: m[1] !== undefined,
    name: m[2]!,
    external: m[3]?.toUpperCase(),
    systemLiteral: m[4],
    value: m[5],
  }));
  const external = declarations.find((d) => d.external !== undefined);
  if (external) {
    throw new UnsafeXmlError(
      `it declares the external entity "${external.name}" (${external.external}${external.systemLiteral ? ` ${external.systemLiteral}` : ''}); ` +
        'external entities could read local files or reach the network (XXE)',
    );
  }
  const expanding = declarations.find((d) => d.value !== undefined && /[&%][^\s;]+;/.test(d.value));
  if (expanding) {
    throw new UnsafeXmlError(
      `it declares the entity "${expanding.name}" whose value expands other entities; ` +
        `nested expansion is how entity bombs ("billion laughs") blow up (${declarations.length} entities declared)`,
    );
  }
  if (declarations.length > 0 || /<!ENTITY/i.test(xml)) {
    const first = declarations[0];
    throw new UnsafeXmlError(
      `it declares ${first ? `the ${first.parameter ? 'parameter ' : ''}entity "${first.name}"` : 'an entity'}; ` +
        'entity declarations are not processed and are refused',
    );
  }
  const doctype = /<!DOCTYPE\s+([^\s[>]+)\s*(SYSTEM|PUBLIC|\[)?/i.exec(xml);
  if (doctype?.[2] === '[') {
    throw new UnsafeXmlError(`its DOCTYPE "${doctype[1]}" carries an internal DTD subset; DTDs are not processed and are refused`);
  }
  if (doctype?.[2] !== undefined) {
    throw new UnsafeXmlError(`its DOCTYPE "${doctype[1]}" names an external DTD (${doctype[2].toUpperCase()}); DTDs are not fetched and are refused`);
  }
}

// ── decoding and well-formedness ────────────────────────────────────────────────────────────

function decodeXmlBytes(bytes: Uint8Array): string {
  let label = 'utf-8';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) label = 'utf-16be';
  else if (bytes[0] === 0xff && bytes[1] === 0xfe) label = 'utf-16le';
  else {
    const head = Buffer.from(bytes.subarray(0, 200)).toString('latin1');
    const declared = /^(?:\uFEFF|\xEF\xBB\xBF)?<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head);
    if (declared) label = declared[1]!.toLowerCase();
  }
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label, { fatal: true });
  } catch (cause) {
    throw new MalformedXmlError(`unsupported encoding "${label}"`, 1, undefined, cause);
  }
  try {
    return decoder.decode(bytes);
  } catch (cause) {
    throw new MalformedXmlError(`the bytes are not valid ${label}`, undefined, undefined, cause);
  }
}

function describeInvalid(xml: string, err: { code: string; msg: string; line: number; col: number }): MalformedXmlError {
  const lines = xml.split('\n');
  const [endLine, endColumn] = [lines.length, lines[lines.length - 1]!.length + 1];
  // For a document that stops early the validator names the still-open tags and points at line 1,
  // column 1; the useful place is where the input ends.
  const unclosed = /^Invalid '(\[.*\])' found\.$/s.exec(err.msg);
  if (unclosed) {
    const open = (JSON.parse(unclosed[1]!) as string[]).reverse().map((t) => `<${t}>`);
    return new MalformedXmlError(`the document ends before ${open.join(', ')} ${open.length === 1 ? 'is' : 'are'} closed (truncated?)`, endLine, endColumn);
  }
  // Cut inside a tag, the validator complains about the tag; the cause is the cut.
  if (!xml.trimEnd().endsWith('>')) {
    return new MalformedXmlError(`the document stops in the middle of markup (truncated?): ${err.msg}`, endLine, endColumn);
  }
  return new MalformedXmlError(`${err.msg} [${err.code}]`, err.line, Number.isFinite(err.col) ? err.col : undefined);
}

// ── parsing into a namespace-resolved tree ──────────────────────────────────────────────────

/** fast-xml-parser's `preserveOrder` shape: one key naming the tag (or `#text`), attributes under `:@`. */
type OrderedNode = { [tagOrText: string]: OrderedNode[] | string } & { ':@'?: Record<string, string> };

const ATTR_PREFIX = '@_';

/** Only the five predefined entities and character references; DTD entities are never taken in. */
const predefinedEntitiesOnly: EntityDecoderOptions = {
  setExternalEntities: () => undefined,
  addInputEntities: () => undefined,
  reset: () => undefined,
  setXmlVersion: () => undefined,
  decode: decodeEntities,
};

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(?:#x([0-9A-Fa-f]{1,6})|#([0-9]{1,7})|([A-Za-z]+));/g, (whole, hex?: string, dec?: string, name?: string) => {
    if (name !== undefined) return PREDEFINED[name] ?? whole;
    const codePoint = hex !== undefined ? parseInt(hex, 16) : Number(dec);
    const valid = codePoint > 0 && codePoint <= 0x10ffff && !(codePoint >= 0xd800 && codePoint <= 0xdfff);
    return valid ? String.fromCodePoint(codePoint) : whole;
  });
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: ATTR_PREFIX,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
  htmlEntities: false,
  entityDecoder: predefinedEntitiesOnly,
  maxNestedTags: MAX_DEPTH,
});

function tagOf(node: OrderedNode): string | undefined {
  return Object.keys(node).find((k) => k !== ':@' && k !== '#text');
}

function buildElement(node: OrderedNode, inherited: ReadonlyMap<string, string>): XmlElement {
  const qualifiedName = tagOf(node)!;
  const rawAttributes = Object.entries(node[':@'] ?? {}).map(([k, v]) => [k.slice(ATTR_PREFIX.length), v] as const);
  const scope = new Map(inherited);
  for (const [name, value] of rawAttributes) {
    if (name === 'xmlns') scope.set('', value);
    else if (name.startsWith('xmlns:')) scope.set(name.slice(6), value);
  }
  const [prefix, localName] = splitName(qualifiedName);
  const namespace = resolvePrefix(scope, prefix, `<${qualifiedName}>`);
  const attributes = rawAttributes
    .filter(([name]) => name !== 'xmlns' && !name.startsWith('xmlns:'))
    .map(([name, value]) => {
      const [attrPrefix, attrLocal] = splitName(name);
      const attrNamespace = attrPrefix === '' ? '' : resolvePrefix(scope, attrPrefix, `attribute ${name} of <${qualifiedName}>`);
      return { namespace: attrNamespace, localName: attrLocal, value };
    });
  const children = node[qualifiedName];
  const content = (Array.isArray(children) ? children : []).map((child) =>
    tagOf(child) === undefined ? String(child['#text'] ?? '') : buildElement(child, scope),
  );
  return { namespace, localName, qualifiedName, attributes, content };
}

function splitName(name: string): [prefix: string, local: string] {
  const colon = name.indexOf(':');
  return colon < 0 ? ['', name] : [name.slice(0, colon), name.slice(colon + 1)];
}

function resolvePrefix(scope: ReadonlyMap<string, string>, prefix: string, where: string): string {
  const uri = scope.get(prefix);
  if (uri !== undefined) return uri;
  if (prefix === '') return '';
  throw new MalformedXmlError(`namespace prefix "${prefix}" of ${where} is not declared`);
}
