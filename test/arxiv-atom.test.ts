import { readdirSync, readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { expect } from 'chai';
import { ArxivApiError, UnexpectedDocumentError } from '../src/errors.js';
import { PaperRecord } from '../src/protocols/paper.js';
import { parseArxivAtom, type AtomPage } from '../src/sources/arxiv/atom.js';
import { requireShared, sharedPath } from './support/shared.js';

/** One recorded export-API answer: `{url, status_code, body}`. */
interface Recording {
  readonly file: string;
  readonly url: URL;
  readonly status: number;
  /** The Atom XML, repaired: the recorder decoded arXiv's UTF-8 bytes as Latin-1. */
  readonly body: string;
  readonly rawBody: string;
}

function recordings(): Recording[] {
  const dir = sharedPath('fixtures', 'arxiv-api');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const { url, status_code, body } = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as { url: string; status_code: number; body: string };
      return { file, url: new URL(url), status: status_code, rawBody: body, body: Buffer.from(body, 'latin1').toString('utf8') };
    });
}

function recording(prefix: string): Recording {
  const found = recordings().find((r) => r.file.startsWith(prefix));
  if (!found) throw new Error(`no recording ${prefix}*`);
  return found;
}

function apiXml(name: string): Buffer {
  return readFileSync(sharedPath('fixtures', 'arxiv-api-xml', name));
}

/** A listing feed shaped like rss.arxiv.org/atom/{categories}; titles, names and ids are invented. */
function listingFeed(entries: string): string {
  return `<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xml:lang="en-us">
  <id>http://rss.arxiv.org/atom/cs.LG</id>
  <title>cs.LG updates on arXiv.org</title>
  <updated>2024-02-05T05:00:00.000Z</updated>
  <link href="http://rss.arxiv.org/atom/cs.LG" rel="self" type="application/atom+xml"/>
  ${entries}
</feed>`;
}

function listingEntry(o: { id: string; type: string; extra?: string; creator?: string }): string {
  return `<entry>
    <id>oai:arXiv.org:${o.id}</id>
    <title>Sparse   Mixtures
      for Tiny Models</title>
    <updated>2024-02-05T00:00:00-05:00</updated>
    <link href="https://arxiv.org/abs/${o.id.replace(/v\d+$/, '')}" rel="alternate" type="text/html"/>
    <summary>arXiv:${o.id} Announce Type: ${o.type} 
Abstract: We route tokens
  to few experts.</summary>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.AI" scheme="http://arxiv.org/schemas/atom"/>
    <published>2024-02-05T00:00:00-05:00</published>
    <arxiv:announce_type>${o.type}</arxiv:announce_type>
    <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>
    <dc:creator>${o.creator ?? 'Ada Example, Bo Sample and Chi Placeholder'}</dc:creator>
    ${o.extra ?? ''}
  </entry>`;
}

describe('arXiv Atom feeds', () => {
  describe('recorded export API answers', () => {
    before(function () {
      requireShared(this, 'arxiv-api');
    });

    it('parses every 200 answer into as many valid records as it has entries', () => {
      const ok = recordings().filter((r) => r.status === 200);
      expect(ok).to.have.length(19);
      let total = 0;
      for (const r of ok) {
        const page = parseArxivAtom(r.body);
        expect(page.entries, r.file).to.have.length((r.body.match(/<entry>/g) ?? []).length);
        expect(page.rejected, r.file).to.deep.equal([]);
        expect(page.source).to.equal('arxiv-api');
        for (const entry of page.entries) expect(Value.Check(PaperRecord, entry), `${r.file} ${entry.id}`).to.equal(true);
        total += page.entries.length;
      }
      // The README counts 222 entries, one of them the error answer's.
      expect(total).to.equal(221);
    });

    it('throws arXiv error answers as ArxivApiError carrying arXiv\'s message', () => {
      const r = recording('id_abc_');
      expect(r.status).to.equal(400);
      let error: unknown;
      try {
        parseArxivAtom(r.body);
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(ArxivApiError);
      const apiError = error as ArxivApiError;
      expect(apiError.code).to.equal('PAPERD_ARXIV_API_ERROR');
      expect(apiError.arxivMessage).to.equal('incorrect id format for abc');
      expect(apiError.errorId).to.equal('incorrect_id_format_for_abc');
    });

    it('reads paging fields that match the query each page answered', () => {
      for (const r of recordings().filter((x) => x.status === 200)) {
        const page = parseArxivAtom(r.body);
        expect(page.startIndex, r.file).to.equal(Number(r.url.searchParams.get('start')));
        expect(page.itemsPerPage, r.file).to.equal(Number(r.url.searchParams.get('max_results')));
        expect(page.entries.length, r.file).to.equal(Math.min(page.itemsPerPage, Math.max(0, page.totalResults - page.startIndex)));
      }
      expect(parseArxivAtom(recording('q_testing_s40_m10').body).totalResults).to.equal(214881);
    });

    it('treats an answer with no entries as an empty page', () => {
      const page: AtomPage = parseArxivAtom(recording('id_0000.0000_').body);
      expect([page.totalResults, page.startIndex, page.itemsPerPage, page.entries.length]).to.deep.equal([0, 0, 100, 0]);
    });

    it('pages agree with each other: every page is the slice of the 100-entry page at its start', () => {
      const all = parseArxivAtom(recording('q_testing_s0_m100').body).entries.map((e) => `${e.id}v${e.version}`);
      const pages = recordings().filter((r) => r.file.startsWith('q_testing_') && !r.file.startsWith('q_testing_s0_m100'));
      expect(pages).to.have.length(10);
      for (const r of pages) {
        const page = parseArxivAtom(r.body);
        expect(page.entries.map((e) => `${e.id}v${e.version}`), r.file).to.deep.equal(all.slice(page.startIndex, page.startIndex + page.itemsPerPage));
      }
    });

    it('reads every field of an entry', () => {
      const [entry] = parseArxivAtom(recording('id_1707.08567_').body).entries;
      expect(entry).to.deep.include({
        id: '1707.08567',
        version: 1,
        title: 'Proceedings of Workshop AEW10: Concepts in Information Theory and Communications',
        categories: ['cs.IT'],
        primaryCategory: 'cs.IT',
        published: '2017-07-27T08:18:33Z',
        updated: '2017-07-27T08:18:33Z',
        comment: '44 pages, editors for the proceedings: Yanling Chen and A. J. Han Vinck',
        pdfUrl: 'https://arxiv.org/pdf/1707.08567v1',
        source: 'arxiv-api',
      });
      expect(entry!.abstract).to.match(/^The 10th Asia-Europe workshop in "Concepts in Information Theory and Communications" AEW10/);
      expect(entry!.authors).to.have.length(34);
      expect(entry!.authors[0]).to.deep.equal({ name: 'Kees A. Schouhamer Immink', affiliations: [] });
    });

    it('keeps old-style ids, affiliations, journal references and every category', () => {
      const [astro] = parseArxivAtom(recording('id_astro-ph_0601001').body).entries;
      expect([astro!.id, astro!.version, astro!.journalRef]).to.deep.equal(['astro-ph/0601001', 1, 'ActaAstron.56:1-50,2006']);
      expect(astro!.authors.map((a) => a.affiliations[0])).to.deep.equal(['Ohio State', 'Ohio State', 'CfA', 'Warsaw University Observatory']);
      const [quant] = parseArxivAtom(recording('id_quant-ph_0201082v1').body).entries;
      expect([quant!.id, quant!.categories, quant!.primaryCategory]).to.deep.equal(['quant-ph/0201082', ['quant-ph', 'cs.PL'], 'quant-ph']);
    });

    it('needs the bytes read as UTF-8: the recordings hold them decoded as Latin-1', () => {
      const r = recording('id_1707.08567_');
      const name = (body: string) => parseArxivAtom(body).entries[0]!.authors.find((a) => a.name.startsWith('Dirk'))!.name;
      expect(name(r.body)).to.equal('Dirk Wübben');
      expect(name(r.rawBody)).to.equal('Dirk WÃ¼bben');
      expect(parseArxivAtom(Buffer.from(r.body, 'utf8')).entries[0]!.authors.map((a) => a.name)).to.include('Dirk Wübben');
    });
  });

  describe('recorded raw Atom answers', () => {
    before(function () {
      requireShared(this, 'arxiv-api-xml');
    });

    it('reads an id_list lookup whose arxiv namespace is declared on each element', () => {
      const page = parseArxivAtom(apiXml('id_list_1111.2011v2.xml'));
      expect([page.totalResults, page.startIndex, page.itemsPerPage]).to.deep.equal([1, 0, 10]);
      expect(page.entries[0]).to.deep.include({
        id: '1111.2011',
        version: 2,
        title: 'Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit',
        doi: '10.1103/PhysRevB.85.115117',
        journalRef: 'Phys. Rev. B 85, 115117 (2012)',
        comment: '8 pages, 3 figures. Published version',
        primaryCategory: 'cond-mat.str-el',
        categories: ['cond-mat.str-el', 'cond-mat.stat-mech'],
        published: '2011-11-08T18:48:36Z',
        updated: '2012-04-02T12:38:54Z',
        pdfUrl: 'http://arxiv.org/pdf/1111.2011v2',
      });
      expect(page.updated).to.equal('2016-10-09T04:00:00Z');
    });

    it('reads author searches: each entry lists the author searched for (as Adrian or A. Del Maestro)', () => {
      const search = parseArxivAtom(apiXml('search_au_del_maestro.xml'));
      expect([search.totalResults, search.entries.length]).to.deep.equal([31, 10]);
      for (const e of search.entries) expect(e.authors.some((a) => a.name.endsWith('Del Maestro')), e.id).to.equal(true);
      const narrowed = parseArxivAtom(apiXml('search_au_del_maestro_ti_checkerboard.xml'));
      expect(narrowed.entries).to.have.length(1);
      expect(narrowed.entries[0]!.title.toLowerCase()).to.include('checkerboard');
    });
  });

  describe('announcement listings', () => {
    const feed = listingFeed(
      [
        listingEntry({ id: '2402.01001v1', type: 'new' }),
        listingEntry({ id: '2402.01002v1', type: 'cross' }),
        listingEntry({
          id: '2310.05555v3',
          type: 'replace',
          creator: 'D. \\"Umlaut (Some Lab), E. Example',
          extra: '<arxiv:journal_reference>J. Invented Res. 1 (2024) 1</arxiv:journal_reference><arxiv:DOI>10.9999/invented.1 10.9999/erratum.1</arxiv:DOI>',
        }),
      ].join('\n'),
    );

    it('detects a listing and strips the announce prefix from the abstract', () => {
      const page = parseArxivAtom(feed);
      expect(page.source).to.equal('arxiv-listing');
      expect(page.entries.map((e) => e.abstract)).to.deep.equal(Array(3).fill('We route tokens to few experts.'));
      expect(page.entries.map((e) => e.announceType)).to.deep.equal(['new', 'cross', 'replace']);
      expect([page.totalResults, page.startIndex, page.itemsPerPage]).to.deep.equal([3, 0, 3]);
    });

    it('reads ids, authors, license and references the listing way', () => {
      const [first, , replaced] = parseArxivAtom(feed).entries;
      expect(first).to.deep.include({ id: '2402.01001', version: 1, title: 'Sparse Mixtures for Tiny Models', license: 'http://creativecommons.org/licenses/by/4.0/' });
      expect(first!.authors.map((a) => a.name)).to.deep.equal(['Ada Example', 'Bo Sample', 'Chi Placeholder']);
      expect(replaced).to.deep.include({ id: '2310.05555', version: 3, journalRef: 'J. Invented Res. 1 (2024) 1', doi: '10.9999/invented.1' });
      expect(replaced!.authors[0]).to.deep.equal({ name: 'D. Ümlaut', affiliations: ['Some Lab'] });
    });

    it('leaves out dates, which in a listing are the announcement day, not submissions', () => {
      const [entry] = parseArxivAtom(feed).entries;
      expect(entry).to.not.have.any.keys('published', 'updated');
      expect(parseArxivAtom(feed).updated).to.equal('2024-02-05T05:00:00Z');
    });

    it('takes the announce type from the summary prefix when the element is missing', () => {
      const page = parseArxivAtom(feed.replace(/<arxiv:announce_type>[^<]*<\/arxiv:announce_type>/g, ''), { source: 'arxiv-listing' });
      expect(page.entries.map((e) => e.announceType)).to.deep.equal(['new', 'cross', 'replace']);
    });
  });

  describe('documents that are not what they should be', () => {
    it('reports entries without a usable id and keeps the rest', () => {
      const page = parseArxivAtom(
        listingFeed(
          [
            '<entry><title>no id</title></entry>',
            listingEntry({ id: '2402.01001v1', type: 'new' }),
            '<entry><id>http://arxiv.org/abs/not-an-id</id></entry>',
            '<entry><id>http://arxiv.org/abs/2402.01003</id></entry>',
          ].join(''),
        ),
      );
      expect(page.entries.map((e) => e.id)).to.deep.equal(['2402.01001']);
      expect(page.rejected).to.deep.equal([
        { index: 0, reason: 'the entry has no <id>' },
        { index: 2, reason: '<id> "http://arxiv.org/abs/not-an-id" is not an arXiv id' },
        { index: 3, reason: '<id> "http://arxiv.org/abs/2402.01003" names no version' },
      ]);
    });

    it('refuses a document that is not an Atom feed, and paging that is not a number', () => {
      expect(() => parseArxivAtom('<html><body>Service unavailable</body></html>')).to.throw(UnexpectedDocumentError, 'expected an Atom <feed>');
      expect(() => parseArxivAtom('<feed xmlns="urn:other"/>')).to.throw(UnexpectedDocumentError, '(urn:other)');
      const badPaging = '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:o="http://a9.com/-/spec/opensearch/1.1/"><o:totalResults>many</o:totalResults></feed>';
      expect(() => parseArxivAtom(badPaging)).to.throw(UnexpectedDocumentError, '<opensearch:totalResults>');
    });
  });
});
