/** arXiv OAI-PMH documents for tests, in the live arXivRaw format: records, pages, errors. */

/** An arXivRaw record as arXiv's OAI-PMH serves it; ids, names and titles are invented. */
export function rawRecord(id: string, datestamp: string, options: { deleted?: boolean } = {}): string {
  if (options.deleted) {
    return `<record><header status="deleted"><identifier>oai:arXiv.org:${id}</identifier><datestamp>${datestamp}</datestamp><setSpec>cs</setSpec></header></record>`;
  }
  return `<record><header><identifier>oai:arXiv.org:${id}</identifier><datestamp>${datestamp}</datestamp><setSpec>cs</setSpec></header>
<metadata><arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/"><id>${id}</id><submitter>Ada Example</submitter>
<version version="v1"><date>Mon, 1 Jan 2024 10:00:00 GMT</date><size>100kb</size></version>
<title>Invented paper ${id}</title><authors>Ada Example and Bo Sample</authors><categories>cs.LG stat.ML</categories>
<abstract>We study ${id}.</abstract></arXivRaw></metadata></record>`;
}

export function oaiDocument(inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2024-02-01T00:00:00Z</responseDate>
<request verb="ListRecords">http://export.arxiv.org/oai2</request>${inner}</OAI-PMH>`;
}

/** A ListRecords page; `token` absent makes it the last page (an empty token element, as arXiv sends). */
export function listPage(records: string[], token?: { value: string; cursor: number }): string {
  const tokenElement = token
    ? `<resumptionToken cursor="${token.cursor}" completeListSize="6">${token.value}</resumptionToken>`
    : '<resumptionToken cursor="4" completeListSize="6"/>';
  return oaiDocument(`<ListRecords>${records.join('\n')}${tokenElement}</ListRecords>`);
}

export const oaiError = (code: string, message: string) => oaiDocument(`<error code="${code}">${message}</error>`);

/** Six records over three pages; one on page 2 is deleted. */
export const pages = {
  first: listPage([rawRecord('2401.00001', '2024-01-02'), rawRecord('2401.00002', '2024-01-02')], { value: 'tok1', cursor: 0 }),
  second: listPage([rawRecord('2401.00003', '2024-01-03'), rawRecord('2401.00004', '2024-01-03', { deleted: true })], { value: 'tok2', cursor: 2 }),
  third: listPage([rawRecord('2401.00005', '2024-01-04'), rawRecord('2401.00006', '2024-01-05')]),
};
export const allIds = ['2401.00001', '2401.00002', '2401.00003', '2401.00005', '2401.00006'];
export const scope = { from: '2024-01-01', until: '2024-01-31', set: 'cs' };
export const firstQuery = 'verb=ListRecords&metadataPrefix=arXivRaw&from=2024-01-01&until=2024-01-31&set=cs';

