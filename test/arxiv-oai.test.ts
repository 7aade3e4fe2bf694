import { readdirSync, readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { expect } from 'chai';
import { MalformedXmlError, OaiBadResumptionTokenError, OaiPmhError, UnexpectedDocumentError } from '../src/errors.js';
import { PaperRecord } from '../src/protocols/paper.js';
import { parseOaiPmh } from '../src/sources/arxiv/oai.js';
import { requireShared, sharedPath } from './support/shared.js';

const oaiDir = () => sharedPath('fixtures', 'arxiv-oai');
const fixture = (name: string) => readFileSync(`${oaiDir()}/${name}`);

/** An OAI-PMH reply around `body`, as oaipmh.arxiv.org/oai writes them. */
function oaiReply(body: string, request = '<request verb="ListRecords" metadataPrefix="arXivRaw">https://oaipmh.arxiv.org/oai</request>'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">
<responseDate>2024-03-01T12:00:00Z</responseDate>
${request}
${body}
</OAI-PMH>`;
}

/**
 * One arXivRaw record modelled on the real format (one <version> per version, the authors as one
 * line, the latest metadata only). The paper is invented.
 */
function rawRecord(o: { id: string; datestamp: string; prefix?: string; versions?: string }): string {
  const p = o.prefix ? `${o.prefix}:` : '';
  const xmlns = o.prefix ? `xmlns:${o.prefix}` : 'xmlns';
  return `<record>
<header>
 <identifier>oai:arXiv.org:${o.id}</identifier>
 <datestamp>${o.datestamp}</datestamp>
 <setSpec>cs</setSpec>
</header>
<metadata>
 <${p}arXivRaw ${xmlns}="http://arxiv.org/OAI/arXivRaw/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://arxiv.org/OAI/arXivRaw/ http://arxiv.org/OAI/arXivRaw.xsd">
 <${p}id>${o.id}</${p}id><${p}submitter>Ada Example</${p}submitter>${
   o.versions ??
   `<${p}version version="v1"><${p}date>Mon, 8 Jan 2024 18:59:59 GMT</${p}date><${p}size>512kb</${p}size><${p}source_type>D</${p}source_type></${p}version>` +
     `<${p}version version="v2"><${p}date>Tue, 20 Feb 2024 09:30:00 GMT</${p}date><${p}size>530kb</${p}size><${p}source_type>D</${p}source_type></${p}version>`
 }<${p}title>Small Experts Route
  Sparse Tokens</${p}title><${p}authors>Ada Example (Invented Lab), Bo Sample and Chi Pl\\"ace</${p}authors><${p}categories>cs.LG cs.AI stat.ML</${p}categories><${p}comments>12 pages, 3 figures; v2: typos fixed</${p}comments><${p}journal-ref>J. Invented Res. 1 (2024) 1</${p}journal-ref><${p}doi>10.9999/invented.2024.1</${p}doi><${p}license>http://creativecommons.org/licenses/by/4.0/</${p}license><${p}abstract>  We route tokens to few experts.
  It works.
</${p}abstract></${p}arXivRaw>
</metadata>
</record>`;
}

const deletedRecord = `<record><header status="deleted"><identifier>oai:arXiv.org:2401.00007</identifier><datestamp>2024-03-02</datestamp><setSpec>cs</setSpec></header></record>`;

function rawPage(token = '<resumptionToken cursor="0" completeListSize="2345">6102945|1001</resumptionToken>'): string {
  return oaiReply(`<ListRecords>
${rawRecord({ id: '2401.01234', datestamp: '2024-02-21' })}
${deletedRecord}
${rawRecord({ id: 'hep-th/9901001', datestamp: '2024-02-28', versions: '<version version="v1"><date>Fri, 1 Jan 1999 01:01:10 GMT</date><size>15kb</size></version>' })}
${token}
</ListRecords>`);
}

describe('OAI-PMH replies', () => {
  describe('arXivRaw, the format paperd harvests', () => {
    it('gives the latest version of each record, with v1 as published and the version history', () => {
      const page = parseOaiPmh(rawPage());
      expect(page.records.map((r) => `${r.id}v${r.version}`)).to.deep.equal(['2401.01234v2', 'hep-th/9901001v1']);
      expect(page.records[0]).to.deep.equal({
        id: '2401.01234',
        version: 2,
        title: 'Small Experts Route Sparse Tokens',
        abstract: 'We route tokens to few experts. It works.',
        authors: [
          { name: 'Ada Example', affiliations: ['Invented Lab'] },
          { name: 'Bo Sample', affiliations: [] },
          { name: 'Chi Pläce', affiliations: [] },
        ],
        categories: ['cs.LG', 'cs.AI', 'stat.ML'],
        primaryCategory: 'cs.LG',
        published: '2024-01-08T18:59:59Z',
        updated: '2024-02-20T09:30:00Z',
        comment: '12 pages, 3 figures; v2: typos fixed',
        journalRef: 'J. Invented Res. 1 (2024) 1',
        doi: '10.9999/invented.2024.1',
        license: 'http://creativecommons.org/licenses/by/4.0/',
        source: 'oai-pmh',
      });
      expect(page.versions.get('2401.01234')).to.deep.equal([
        { version: 1, date: '2024-01-08T18:59:59Z', size: '512kb' },
        { version: 2, date: '2024-02-20T09:30:00Z', size: '530kb' },
      ]);
      for (const record of page.records) expect(Value.Check(PaperRecord, record)).to.equal(true);
    });

    it('gives one record per version when asked, each dated by its own version', () => {
      const page = parseOaiPmh(rawPage(), { everyVersion: true });
      const versions = page.records.filter((r) => r.id === '2401.01234');
      expect(versions.map((r) => [r.version, r.published, r.updated])).to.deep.equal([
        [1, '2024-01-08T18:59:59Z', '2024-01-08T18:59:59Z'],
        [2, '2024-01-08T18:59:59Z', '2024-02-20T09:30:00Z'],
      ]);
    });

    it('reports deleted records, the newest datestamp and the resumption token', () => {
      const page = parseOaiPmh(rawPage());
      expect(page.deleted).to.deep.equal(['2401.00007']);
      expect(page.lastDatestamp).to.equal('2024-03-02');
      expect(page.resumptionToken).to.deep.equal({ token: '6102945|1001', cursor: 0, completeListSize: 2345 });
      expect(page.responseDate).to.equal('2024-03-01T12:00:00Z');
    });

    it('ends the list at an empty resumption token', () => {
      const last = parseOaiPmh(rawPage('<resumptionToken cursor="2000" completeListSize="2345"/>'));
      expect(last).to.not.have.property('resumptionToken');
      expect(last.records).to.have.length(2);
      expect(parseOaiPmh(rawPage('<resumptionToken cursor="2000" completeListSize="2345">  </resumptionToken>'))).to.not.have.property('resumptionToken');
    });

    it('finds the arXivRaw elements by namespace whatever their prefix', () => {
      const prefixed = parseOaiPmh(oaiReply(`<ListRecords>${rawRecord({ id: '2401.01234', datestamp: '2024-02-21', prefix: 'raw' })}</ListRecords>`));
      expect(prefixed.records).to.deep.equal(parseOaiPmh(rawPage()).records.slice(0, 1));
    });

    it('reports a record whose versions cannot be read, and keeps the others', () => {
      const page = parseOaiPmh(
        oaiReply(`<ListRecords>${rawRecord({ id: '2401.09999', datestamp: '2024-02-21', versions: '<version version="first"><date>soon</date></version>' })}${rawRecord({ id: '2401.01234', datestamp: '2024-02-21' })}</ListRecords>`),
      );
      expect(page.records.map((r) => r.id)).to.deep.equal(['2401.01234']);
      expect(page.rejected).to.deep.equal([{ index: 0, reason: '2401.09999: unreadable <version version="first">' }]);
    });
  });

  describe('OAI-PMH errors', () => {
    const error = (code: string, message: string) => oaiReply(`<error code="${code}">${message}</error>`);

    it('reads noRecordsMatch as an empty page', () => {
      const page = parseOaiPmh(error('noRecordsMatch', 'No records match the request'));
      expect([page.records, page.deleted, page.rejected]).to.deep.equal([[], [], []]);
      expect(page).to.not.have.property('resumptionToken');
    });

    it('throws an expired token as its own error, so the harvester restarts from the last datestamp', () => {
      const reply = oaiReply('<error code="badResumptionToken">The value of the resumptionToken argument is invalid or expired.</error>', '<request verb="ListRecords" resumptionToken="6102945|1001">https://oaipmh.arxiv.org/oai</request>');
      let thrown: unknown;
      try {
        parseOaiPmh(reply);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).to.be.instanceOf(OaiBadResumptionTokenError).and.not.be.instanceOf(OaiPmhError);
      expect((thrown as OaiBadResumptionTokenError).code).to.equal('PAPERD_OAI_BAD_RESUMPTION_TOKEN');
      expect((thrown as Error).message).to.include('invalid or expired').and.include('restart from the last datestamp');
    });

    it('throws any other OAI-PMH error with its code', () => {
      expect(() => parseOaiPmh(error('cannotDisseminateFormat', 'arXivRawX is not supported')))
        .to.throw(OaiPmhError, 'OAI-PMH error cannotDisseminateFormat: arXivRawX is not supported')
        .with.property('oaiCode', 'cannotDisseminateFormat');
    });

    it('refuses documents that are not OAI-PMH replies with records', () => {
      expect(() => parseOaiPmh('<feed xmlns="http://www.w3.org/2005/Atom"/>')).to.throw(UnexpectedDocumentError, 'an <OAI-PMH> reply');
      expect(() => parseOaiPmh(oaiReply('<Identify><repositoryName>arXiv</repositoryName></Identify>'))).to.throw(UnexpectedDocumentError, '<Identify>');
    });
  });

  describe('recorded replies in the arXiv format', () => {
    before(function () {
      requireShared(this, 'arxiv-oai');
    });

    it('reads every record of every file, sorting those revised after v1 apart since the format names no version', () => {
      const files = readdirSync(oaiDir()).filter((f) => f.endsWith('.xml'));
      expect(files).to.have.length(15);
      for (const file of files) {
        const text = fixture(file).toString('utf8');
        const records = text.split('<record>').slice(1);
        const ids = records.map((r) => /<identifier>oai:arXiv\.org:([^<]+)<\/identifier>/.exec(r)![1]);
        const revised = records.filter((r) => /<updated>/.test(r)).length;
        const page = parseOaiPmh(text);
        expect([...page.records, ...page.unversioned].map((r) => r.id).sort(), file).to.deep.equal([...ids].sort());
        expect(page.unversioned, file).to.have.length(revised);
        expect(page.records.every((r) => r.version === 1 && r.updated === r.published), file).to.equal(true);
        expect(page.rejected, file).to.deep.equal([]);
        for (const record of page.records) expect(Value.Check(PaperRecord, record), `${file} ${record.id}`).to.equal(true);
      }
    });

    it('reads a ListRecords page: revised papers, datestamps, no token on a complete list', () => {
      const page = parseOaiPmh(fixture('arxiv-physics-hep-th.xml'));
      expect(page.unversioned.map((p) => [p.id, p.published, p.updated])).to.deep.equal([
        ['1412.8323', '2014-12-29', '2017-12-13'],
        ['1507.07790', '2015-07-28', '2016-03-04'],
        ['1607.01710', '2016-07-06', '2016-10-13'],
      ]);
      expect(page.unversioned[0]).to.not.have.property('version');
      expect([page.lastDatestamp, page.resumptionToken, page.responseDate]).to.deep.equal(['2017-12-14', undefined, '2017-12-14T12:56:31Z']);
      expect(page.unversioned[1]!.authors).to.deep.equal([
        { name: 'Luis B. Castro', affiliations: [] },
        { name: 'Edilberto O. Silva', affiliations: [] },
      ]);
    });

    it('reads a record whose <arXiv> element lost its namespace, taking the first of several DOIs', () => {
      const [record] = parseOaiPmh(fixture('sample_arxiv_record0.xml')).records;
      expect(record).to.deep.include({ id: '1601.03238', version: 1, doi: '10.1103/PhysRevD.93.016005', published: '2016-01-13' });
      expect(record!.categories).to.deep.equal(['quant-ph', 'gr-qc', 'hep-th', 'chao-dyn', 'nlin.CD']);
      expect(record!.authors.map((a) => a.name)).to.deep.equal(['Planck Collaboration', 'Jieci Wang', 'Zehua Tian', 'Jiliang Jing', 'Heng Fan']);
    });

    it('builds names from forenames and every keyname, keeps each affiliation, and drops a lone ":" author', () => {
      const [saxton] = parseOaiPmh(fixture('sample_arxiv_record7.xml')).records[0]!.authors;
      expect(saxton).to.deep.equal({ name: 'Curtis J. Saxton Walton', affiliations: ['Technion', 'DESY'] });
      const bicep = parseOaiPmh(fixture('sample_arxiv_record4.xml')).records[0]!.authors.map((a) => a.name);
      expect(bicep.slice(0, 4)).to.deep.equal(['Keck Array', 'BICEP2 Collaborations', 'P. Ade', 'Z. Ahmed']);
      expect(parseOaiPmh(fixture('sample_arxiv_record5.xml')).records[0]!.authors[0]!.name).to.equal('Günter Burigana');
    });

    it('reads all twelve records of the multi-record file, datestamp of the newest last', () => {
      const page = parseOaiPmh(fixture('sample_arxiv_record.xml'));
      expect(page.records).to.have.length(12);
      expect(page.lastDatestamp).to.equal('2018-08-16');
    });

    it('rejects a recorded reply cut short', () => {
      const text = fixture('arxiv-physics-hep-ex.xml').toString('utf8');
      expect(() => parseOaiPmh(text.slice(0, text.lastIndexOf('</ListRecords>')))).to.throw(MalformedXmlError, 'truncated?');
    });
  });
});
