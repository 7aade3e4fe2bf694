/** A small arXiv export-API feed for the web page's tests: real Atom, as `POST /v1/import` takes it. */

export interface WebPaper {
  readonly id: string;
  readonly title: string;
  readonly abstract: string;
  readonly authors: readonly string[];
  readonly categories: readonly string[];
  readonly published: string;
}

const escapeXml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Papers whose words tell them apart; the first names its code repository, as papers do. */
export function webPapers(): WebPaper[] {
  const papers: WebPaper[] = [
    {
      id: '2401.00001', title: 'Sparse attention for long documents',
      abstract: 'We make attention sparse so transformers read long documents <quickly> & cheaply. Code: https://github.com/Acme/Sparse-Attn. Evaluated on ImageNet.',
      authors: ['Ada Example', 'Grace Hopper'], categories: ['cs.CL', 'cs.LG'], published: '2024-01-10T00:00:00Z',
    },
    {
      id: '2401.00002', title: 'Diffusion models for protein design',
      abstract: 'Denoising diffusion generates protein backbones with attention over residues.',
      authors: ['Alan Turing'], categories: ['q-bio.BM', 'cs.LG'], published: '2024-01-11T00:00:00Z',
    },
    {
      id: '2401.00003', title: 'Linear attention approximates softmax attention',
      abstract: 'Kernel feature maps make attention linear in sequence length for long documents.',
      authors: ['Ada Example'], categories: ['cs.LG'], published: '2024-01-12T00:00:00Z',
    },
  ];
  for (let i = 0; i < 24; i++) {
    papers.push({
      id: `2401.${String(100 + i).padStart(5, '0')}`, title: `Transformer study number ${i}`,
      abstract: `Attention heads in transformer layer ${i} specialise on syntax.`,
      authors: ['Edsger Dijkstra'], categories: ['cs.LG'], published: `2024-01-${String(13 + (i % 10)).padStart(2, '0')}T00:00:00Z`,
    });
  }
  return papers;
}

/** The papers as one export-API page. */
export function webPapersAtom(papers: readonly WebPaper[] = webPapers()): string {
  const entries = papers.map(
    (p) => `<entry><id>http://arxiv.org/abs/${p.id}v1</id><updated>${p.published}</updated><published>${p.published}</published>
<title>${escapeXml(p.title)}</title><summary>${escapeXml(p.abstract)}</summary>
${p.authors.map((a) => `<author><name>${escapeXml(a)}</name></author>`).join('')}
<arxiv:primary_category term="${p.categories[0]}"/>${p.categories.map((c) => `<category term="${c}" scheme="http://arxiv.org/schemas/atom"/>`).join('')}</entry>`,
  );
  return `<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom">
<id>https://arxiv.org/api/web-test</id><updated>2024-02-05T02:00:00Z</updated><opensearch:itemsPerPage>${papers.length}</opensearch:itemsPerPage>
<opensearch:totalResults>${papers.length}</opensearch:totalResults><opensearch:startIndex>0</opensearch:startIndex>${entries.join('\n')}</feed>`;
}
