import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { MalformedXmlError, UnsafeXmlError } from '../src/errors.js';
import { parseArxivAtom } from '../src/sources/arxiv/atom.js';
import { parseOaiPmh } from '../src/sources/arxiv/oai.js';
import { attributeOf, childElement, childText, NS, parseXml, textOf } from '../src/sources/arxiv/xml.js';
import { requireShared, sharedPath } from './support/shared.js';

/** Calls `fn`, expecting it to throw; returns what it threw. */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, none was thrown');
}

const xxe = '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<x>&e;</x>';

function billionLaughs(): string {
  const levels = ['<!ENTITY lol0 "lol">'];
  for (let i = 1; i <= 9; i++) levels.push(`<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
  return `<?xml version="1.0"?>\n<!DOCTYPE lolz [\n${levels.join('\n')}\n]>\n<lolz>&lol9;</lolz>`;
}

describe('XML safety', () => {
  describe('refusal before parsing', () => {
    it('refuses an external entity (XXE) and names it, without reading the file', () => {
      const error = thrownBy(() => parseXml(xxe));
      expect(error).to.be.instanceOf(UnsafeXmlError);
      expect((error as UnsafeXmlError).code).to.equal('PAPERD_UNSAFE_XML');
      expect((error as Error).message).to.include('external entity "e"').and.include('file:///etc/passwd').and.not.include('root:');
    });

    it('refuses a billion-laughs document as entity expansion', () => {
      const error = thrownBy(() => parseXml(billionLaughs()));
      expect(error).to.be.instanceOf(UnsafeXmlError);
      expect((error as Error).message).to.match(/entity "lol1" whose value expands other entities/).and.include('10 entities declared');
    });

    it('refuses a plain internal entity declaration, which would otherwise be expanded', () => {
      const error = thrownBy(() => parseXml('<!DOCTYPE x [<!ENTITY who "someone">]><x>&who;</x>'));
      expect(error).to.be.instanceOf(UnsafeXmlError);
      expect((error as Error).message).to.include('entity "who"');
    });

    it('refuses parameter entities and external DTDs', () => {
      const parameter = thrownBy(() => parseXml('<!DOCTYPE x [<!ENTITY % p SYSTEM "http://example.invalid/p.dtd"> %p;]><x/>'));
      expect((parameter as Error).message).to.include('external entity "p"');
      const dtd = thrownBy(() => parseXml('<!DOCTYPE feed PUBLIC "-//X//DTD X//EN" "http://example.invalid/x.dtd"><feed/>'));
      expect(dtd).to.be.instanceOf(UnsafeXmlError);
      expect((dtd as Error).message).to.include('external DTD (PUBLIC)');
    });

    it('refuses a DTD internal subset even without entities', () => {
      const error = thrownBy(() => parseXml('<!DOCTYPE x [<!ELEMENT x ANY>]><x/>'));
      expect((error as Error).message).to.include('internal DTD subset');
    });

    it('lets a bare DOCTYPE through, since it declares nothing', () => {
      expect(parseXml('<!DOCTYPE x><x>ok</x>').localName).to.equal('x');
    });

    it('refuses the same documents through the Atom and OAI-PMH parsers', () => {
      expect(() => parseArxivAtom(xxe)).to.throw(UnsafeXmlError);
      expect(() => parseOaiPmh(billionLaughs())).to.throw(UnsafeXmlError);
    });
  });

  describe('well-formedness', () => {
    it('reports a truncated document at its end, naming the elements left open', () => {
      const error = thrownBy(() => parseXml('<feed>\n  <entry>\n    <title>half'));
      expect(error).to.be.instanceOf(MalformedXmlError);
      const malformed = error as MalformedXmlError;
      expect(malformed.code).to.equal('PAPERD_MALFORMED_XML');
      expect([malformed.line, malformed.column]).to.deep.equal([3, 16]);
      expect(malformed.message).to.equal('malformed XML at line 3, column 16: the document ends before <title>, <entry>, <feed> are closed (truncated?)');
    });

    it('reports a mis-nested closing tag with its line and column', () => {
      const error = thrownBy(() => parseXml('<a>\n<b>\n</a>')) as MalformedXmlError;
      expect(error).to.be.instanceOf(MalformedXmlError);
      expect(error.line).to.equal(3);
      expect(error.message).to.include("Expected closing tag 'b'");
    });

    it('rejects a real arXiv response cut in half', function () {
      requireShared(this, 'arxiv-api-xml');
      const whole = readFileSync(sharedPath('fixtures', 'arxiv-api-xml', 'search_au_del_maestro.xml'), 'utf8');
      const half = whole.slice(0, Math.floor(whole.length / 2));
      const error = thrownBy(() => parseArxivAtom(half));
      expect(error).to.be.instanceOf(MalformedXmlError);
      expect((error as Error).message).to.include('truncated?');
      expect((error as MalformedXmlError).line).to.equal(half.split('\n').length);
    });

    it('rejects an empty document, two roots and an undeclared prefix', () => {
      expect((thrownBy(() => parseXml('  \n')) as Error).message).to.include('the document is empty');
      expect((thrownBy(() => parseXml('<a/><b/>')) as Error).message).to.include('expected one root element, found 2');
      expect((thrownBy(() => parseXml('<arxiv:comment>x</arxiv:comment>')) as Error).message).to.include('namespace prefix "arxiv"');
    });

    it('bounds nesting depth', () => {
      const deep = '<a>'.repeat(200) + '</a>'.repeat(200);
      expect((thrownBy(() => parseXml(deep)) as Error).message).to.include('nest deeper than 64 levels');
    });
  });

  describe('entities and encodings', () => {
    it('decodes the five predefined entities and character references once, leaves unknown ones and CDATA alone', () => {
      const root = parseXml('<x a="&quot;&#233;&quot;">&lt;b&gt; &amp;amp; &#x263A; &#38;lt; &nbsp; <![CDATA[&amp; <raw>]]></x>');
      expect(textOf(root)).to.equal('<b> &amp; ☺ &lt; &nbsp; &amp; <raw>');
      expect(attributeOf(root, 'a')).to.equal('"é"');
    });

    it('decodes bytes by their XML declaration, UTF-8 by default, and rejects bytes that are not in it', () => {
      const latin1 = Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><t>G\xe9om\xe9trie</t>', 'latin1');
      expect(textOf(parseXml(latin1))).to.equal('Géométrie');
      expect(textOf(parseXml(Buffer.from('\uFEFF<t>Wübben</t>', 'utf8')))).to.equal('Wübben');
      const error = thrownBy(() => parseXml(Buffer.from([0x3c, 0x74, 0x3e, 0xff, 0x3c, 0x2f, 0x74, 0x3e])));
      expect((error as Error).message).to.include('not valid utf-8');
    });
  });

  describe('namespaces', () => {
    it('finds elements by namespace URI whatever prefix the document binds', () => {
      const feed = parseXml(
        '<a:feed xmlns:a="http://www.w3.org/2005/Atom" xmlns:q="http://arxiv.org/schemas/atom">' +
          '<a:entry><q:comment>c</q:comment><arxiv:comment xmlns:arxiv="urn:not-arxiv">decoy</arxiv:comment></a:entry></a:feed>',
      );
      expect([feed.namespace, feed.localName]).to.deep.equal([NS.atom, 'feed']);
      const entry = childElement(feed, NS.atom, 'entry')!;
      expect(childText(entry, NS.arxiv, 'comment')).to.equal('c');
      expect(childText(entry, 'urn:not-arxiv', 'comment')).to.equal('decoy');
    });

    it('applies a default namespace to elements but not to attributes, and knows the xml prefix', () => {
      const root = parseXml('<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en"><link href="h"/></feed>');
      const link = childElement(root, NS.atom, 'link')!;
      expect(attributeOf(link, 'href')).to.equal('h');
      expect(attributeOf(root, 'lang', NS.xml)).to.equal('en');
    });
  });
});
