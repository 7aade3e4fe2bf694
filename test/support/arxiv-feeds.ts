/** Builders of arXiv documents for tests: a listing feed and an export API page, in the live format. */

/** A listing shaped like rss.arxiv.org/atom/{categories}; `updated` is midnight New York after the announcement. */
export function listingFeed(updated: string, ids: [string, string][]): string {
  const entries = ids.map(
    ([id, type]) => `<entry><id>oai:arXiv.org:${id}</id><title>Listed ${id}</title>
<summary>arXiv:${id} Announce Type: ${type}
Abstract: Invented.</summary><category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
<arxiv:announce_type>${type}</arxiv:announce_type><dc:creator>Ada Example</dc:creator></entry>`,
  );
  return `<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
<id>http://rss.arxiv.org/atom/cs.LG+cs.CL+cs.CV+cs.AI+stat.ML</id><title>updates on arXiv.org</title><updated>${updated}</updated>${entries.join('\n')}</feed>`;
}

/** An export API page: entries as [id with version, updated]. */
export function apiPage(start: number, total: number, entries: [string, string][]): string {
  const body = entries.map(
    ([id, updated]) => `<entry><id>http://arxiv.org/abs/${id}</id><updated>${updated}</updated><published>${updated}</published>
<title>Full ${id}</title><summary>Full abstract.</summary><author><name>Ada Example</name></author>
<arxiv:primary_category term="cs.LG"/><category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/></entry>`,
  );
  return `<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom">
<id>https://arxiv.org/api/invented</id><updated>2024-02-05T02:00:00Z</updated><opensearch:itemsPerPage>2</opensearch:itemsPerPage>
<opensearch:totalResults>${total}</opensearch:totalResults><opensearch:startIndex>${start}</opensearch:startIndex>${body.join('\n')}</feed>`;
}

