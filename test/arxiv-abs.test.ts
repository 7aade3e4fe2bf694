import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { expect } from 'chai';
import { MalformedAbsError } from '../src/errors.js';
import { PaperRecord } from '../src/protocols/paper.js';
import { absVersionFromFileName, absVersions, decodeTexAccents, parseAbs, parseAuthorLine } from '../src/sources/arxiv/abs.js';
import { requireShared, sharedPath } from './support/shared.js';

const absRoot = () => sharedPath('fixtures', 'arxiv-abs');

function absFiles(): string[] {
  return (readdirSync(absRoot(), { recursive: true }) as string[]).filter((f) => f.endsWith('.abs')).map((f) => path.join(absRoot(), f)).sort();
}

function read(relative: string): Buffer {
  return readFileSync(path.join(absRoot(), relative));
}

/** Parses a fixture the way a backfill would: the version from the name for orig/ files. */
function parseFixture(relative: string): PaperRecord {
  return parseAbs(read(relative), { file: relative, version: absVersionFromFileName(relative) });
}

describe('arXiv .abs metadata files', () => {
  describe('the recorded files', () => {
    before(function () {
      requireShared(this, 'arxiv-abs');
    });

    it('parses every file but the empty one into a valid record, and counts the README\'s 1,130 papers', () => {
      const files = absFiles();
      expect(files).to.have.length(1192);
      const ids = new Set<string>();
      const failures: string[] = [];
      for (const file of files) {
        try {
          const record = parseAbs(readFileSync(file), { file, version: absVersionFromFileName(file) });
          expect(Value.Check(PaperRecord, record), file).to.equal(true);
          ids.add(record.id);
        } catch (error) {
          failures.push(`${path.relative(absRoot(), file)}: ${(error as Error).message}`);
        }
      }
      expect(failures).to.have.length(1);
      expect(failures[0]).to.match(/^ftp\/math-ph\/papers\/0509\/0509037\.abs: malformed \.abs file .*0509037\.abs: the file is empty$/);
      expect(ids.size).to.equal(1130);
    });

    it('gives the empty file a MalformedAbsError naming the file, not a crash', () => {
      expect(() => parseAbs(read('ftp/math-ph/papers/0509/0509037.abs'), { file: '0509037.abs' }))
        .to.throw(MalformedAbsError, 'malformed .abs file 0509037.abs: the file is empty')
        .with.property('code', 'PAPERD_MALFORMED_ABS');
    });

    it('describes the latest version of a current file: one per Date line', () => {
      for (const file of absFiles().filter((f) => f.includes(`${path.sep}ftp${path.sep}`))) {
        const text = readFileSync(file, 'latin1');
        if (text.trim() === '') continue;
        const dateLines = text.match(/^Date( \(revised v\d+\))?: /gm)!.length;
        expect(parseAbs(text).version, file).to.equal(dateLines);
      }
    });

    it('describes the version an orig/ file name states, dated by that version\'s Date line', () => {
      const origFiles = absFiles().filter((f) => f.includes(`${path.sep}orig${path.sep}`));
      expect(origFiles).to.have.length(60);
      for (const file of origFiles) {
        const version = absVersionFromFileName(file)!;
        const record = parseAbs(readFileSync(file), { version });
        const dateLine = readFileSync(file, 'latin1').split('\n').find((l) => (version === 1 ? l.startsWith('Date: ') : l.startsWith(`Date (revised v${version}): `)))!;
        const stated = new Date(/^Date[^:]*: (.*GMT)/.exec(dateLine)![1]!).toISOString().replace('.000Z', 'Z');
        expect([record.version, record.updated], file).to.deep.equal([version, stated]);
      }
    });

    it('reads every header field of a revised paper', () => {
      const record = parseFixture('ftp/hep-th/papers/9901/9901001.abs');
      expect(record).to.deep.equal({
        id: 'hep-th/9901001',
        version: 3,
        title: 'String Junctions and Their Duals in Heterotic String Theory',
        abstract:
          'We explicitly give the correspondence between spectra of heterotic string theory compactified on $T^2$ and string junctions in type IIB theory compactified on $S^2$.',
        authors: [{ name: 'Yosuke Imamura', affiliations: [] }],
        categories: ['hep-th'],
        primaryCategory: 'hep-th',
        published: '1999-01-01T01:01:10Z',
        updated: '1999-05-10T04:45:54Z',
        comment: '13 pages + 4 eps figures, PTPTeX, typographical errors corrected',
        journalRef: 'Prog.Theor.Phys.101:1155-1164,1999',
        doi: '10.1143/PTP.101.1155',
        source: 'abs',
      });
    });

    it('reads an older version from orig/, falling back to the archive when it lists no categories', () => {
      const v1 = parseFixture('orig/hep-th/papers/9901/9901001v1.abs');
      expect(v1).to.deep.include({ id: 'hep-th/9901001', version: 1, categories: ['hep-th'], primaryCategory: 'hep-th', comment: '12 pages + 4 eps figures, LaTeX' });
      expect(v1.published).to.equal(v1.updated);
    });

    it('joins continuation lines and splits authors on commas and "and"', () => {
      const record = parseFixture('ftp/math/papers/0202/0202001.abs');
      expect(record.authors.map((a) => a.name)).to.deep.equal(['Laurent Bartholdi', 'Rostislav I. Grigorchuk', 'Volodymyr V. Nekrashevych']);
      expect(record.journalRef).to.equal('Fractals in Graz 2001, 25--118, Trends Math., Birkhauser, Basel, 2003');
      expect([record.categories, record.primaryCategory, record.version]).to.deep.equal([['math.GR', 'math.DS'], 'math.GR', 4]);
    });

    it('keeps a title that contains "Paper:" whole', () => {
      expect(parseFixture('ftp/arxiv/papers/0704/0704.0432.abs').title).to.equal(
        "A Survey of Huebschmann and Stasheff's Paper: Formal Solution of the Master Equation via HPT and Deformation Theory",
      );
    });

    it('ends the abstract at the last \\\\ line, past TeX line breaks that are lines of their own', () => {
      const record = parseFixture('ftp/arxiv/papers/2004/2004.02153.abs');
      expect(record.abstract).to.include('\\\\ v_t = \\Delta v - v + u');
      expect(record.abstract).to.match(/collapse into a persistent Dirac distribution\.$/);
      expect(parseFixture('ftp/arxiv/papers/2103/2103.11058.abs').abstract).to.match(/in these decay modes to date\.$/);
    });

    it('reads a Latin-1 file', () => {
      expect(parseFixture('ftp/arxiv/papers/1607/1607.08199.abs').journalRef).to.equal(
        'Épijournal de Géométrie Algébrique, Volume 1 (September 1, 2017) epiga:3255',
      );
    });

    it('turns TeX accents in names into Unicode and parenthesised affiliations into affiliations', () => {
      expect(parseFixture('ftp/math-ph/papers/0509/0509022.abs').authors).to.deep.equal([
        { name: 'Frédéric Klopp', affiliations: ['LAGA'] },
        { name: 'Georgi Raikov', affiliations: [] },
      ]);
    });

    it('resolves numbered affiliations', () => {
      const authors = parseFixture('ftp/arxiv/papers/0704/0704.0177.abs').authors;
      expect(authors).to.have.length(10);
      expect(authors.find((a) => a.name === 'M. Bayer')!.affiliations).to.deep.equal(['Universität Dortmund, Germany']);
      expect(authors.find((a) => a.name === 'A. Shabaev')!.affiliations).to.deep.equal(['Washington, USA']);
    });

    it('trusts the id inside a file over its name: ftp/cs/papers/0006/0006007.abs holds cs/0006008', () => {
      expect(parseFixture('ftp/cs/papers/0006/0006007.abs').id).to.equal('cs/0006008');
      expect(parseFixture('ftp/cs/papers/0006/0006008.abs')).to.deep.equal(parseFixture('ftp/cs/papers/0006/0006007.abs'));
    });

    it('lists every version with its date and size', () => {
      expect(absVersions(read('ftp/hep-th/papers/9709/9709111.abs'))).to.deep.equal([
        { version: 1, date: '1997-09-16T14:44:58Z', size: '11kb' },
        { version: 2, date: '1997-09-23T17:34:41Z', size: '11kb' },
        { version: 3, date: '1997-11-03T19:27:30Z', size: '14kb' },
      ]);
    });

    it('refuses a version the file does not list', () => {
      expect(() => parseAbs(read('orig/hep-th/papers/9901/9901001v1.abs'), { version: 2 })).to.throw(MalformedAbsError, 'it lists versions 1 to 1, not v2');
    });
  });

  describe('malformed input', () => {
    it('names what is missing', () => {
      expect(() => parseAbs('just text')).to.throw(MalformedAbsError, 'expected \\\\ lines around the header, found 0');
      expect(() => parseAbs('\\\\\nTitle: x\n\\\\\nabstract\n\\\\\n')).to.throw(MalformedAbsError, 'no arXiv: (or Paper:) line');
      expect(() => parseAbs('\\\\\nPaper: hep-th/9108002\nTitle: x\n\\\\\n')).to.throw(MalformedAbsError, 'no Date: line');
      expect(() => parseAbs('\\\\\narXiv:1234.5678\nDate: yesterday\n\\\\\n')).to.throw(MalformedAbsError, 'unreadable date "yesterday"');
    });

    it('accepts the older Paper: line and CRLF line ends', () => {
      const record = parseAbs('\\\\\r\nPaper: hep-th/9108002\r\nDate: Mon, 5 Aug 1991 10:00:00 GMT   (10kb)\r\nTitle: A\r\n  B\r\n\\\\\r\n  Text.\r\n\\\\\r\n');
      expect(record).to.deep.include({ id: 'hep-th/9108002', version: 1, title: 'A B', abstract: 'Text.', published: '1991-08-05T10:00:00Z' });
    });
  });

  describe('the one-line author list', () => {
    it('handles Oxford commas, et al., suffixes and collaboration prefixes', () => {
      const names = (line: string) => parseAuthorLine(line).map((a) => a.name);
      expect(names('Cynthia Dwork, Joseph Y. Halpern, and O. Waarts')).to.deep.equal(['Cynthia Dwork', 'Joseph Y. Halpern', 'O. Waarts']);
      expect(names('A. Abulencia et al. (CDF Collaboration)')).to.deep.equal(['A. Abulencia']);
      expect(names('M. Finger,\\, Jr., F. Fleuret')).to.deep.equal(['M. Finger Jr.', 'F. Fleuret']);
      expect(names('CLEO Collaboration: M. Artuso, et al')).to.deep.equal(['CLEO Collaboration', 'M. Artuso']);
      expect(names('Chris Blake & Karl Glazebrook')).to.deep.equal(['Chris Blake', 'Karl Glazebrook']);
    });

    it('keeps separators inside an affiliation, and tolerates an unclosed parenthesis', () => {
      expect(parseAuthorLine('Thomas M\\"uller (Queen Mary & Westfield College, University of London) and X. Y')).to.deep.equal([
        { name: 'Thomas Müller', affiliations: ['Queen Mary & Westfield College, University of London'] },
        { name: 'X. Y', affiliations: [] },
      ]);
      expect(parseAuthorLine('A. B (Lab, C. D').map((a) => a.name)).to.deep.equal(['A. B Lab', 'C. D']);
    });

    it('reads numbered affiliations written without inner parentheses', () => {
      expect(parseAuthorLine('E. Jensen (1), S. Dhital (1,2); (1 - Swarthmore College; 2 - Vanderbilt)')).to.deep.equal([
        { name: 'E. Jensen', affiliations: ['Swarthmore College'] },
        { name: 'S. Dhital', affiliations: ['Swarthmore College', 'Vanderbilt'] },
      ]);
    });

    it('decodes the TeX accents and letters arXiv names use', () => {
      expect(decodeTexAccents("Fr\\'{e}d\\'{e}ric Am{\\'e}lie Bj{\\o}rn {\\AA}ke Lan\\c{c}on Li\\v{s}ka Cs\\\"org\\H{o} Rodr\\'\\i guez N\\'u\\~nez")).to.equal(
        'Frédéric Amélie Bjørn Åke Lançon Liška Csörgő Rodríguez Núñez',
      );
    });
  });
});
