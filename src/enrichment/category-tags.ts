import { normaliseTag } from './tag-text.js';

// The arXiv categories ML papers are filed under, as the words a reader would search for. Others
// become their lowercased code (`hep-th`, `math.oc`), which is still a usable tag.
const CATEGORY_TAGS: Readonly<Record<string, string>> = {
  'cs.AI': 'artificial intelligence',
  'cs.CL': 'nlp',
  'cs.CR': 'security',
  'cs.CV': 'computer vision',
  'cs.CY': 'computers and society',
  'cs.DB': 'databases',
  'cs.DC': 'distributed computing',
  'cs.DS': 'algorithms',
  'cs.GR': 'graphics',
  'cs.GT': 'game theory',
  'cs.HC': 'human-computer interaction',
  'cs.IR': 'information retrieval',
  'cs.IT': 'information theory',
  'cs.LG': 'machine learning',
  'cs.MA': 'multi-agent systems',
  'cs.MM': 'multimedia',
  'cs.NE': 'neural and evolutionary computing',
  'cs.PL': 'programming languages',
  'cs.RO': 'robotics',
  'cs.SD': 'audio',
  'cs.SE': 'software engineering',
  'cs.SI': 'social networks',
  'eess.AS': 'audio',
  'eess.IV': 'image processing',
  'eess.SP': 'signal processing',
  'eess.SY': 'control systems',
  'math.OC': 'optimization',
  'math.ST': 'statistics',
  'q-bio.QM': 'computational biology',
  'q-bio.NC': 'neuroscience',
  'stat.ML': 'machine learning',
  'stat.ME': 'statistics',
  'stat.TH': 'statistics',
};

/** Tags for a paper's arXiv categories, primary first, each once. */
export function categoryTags(categories: readonly string[]): string[] {
  const tags = categories.map((c) => CATEGORY_TAGS[c] ?? normaliseTag(c)).filter((t): t is string => t !== undefined);
  return [...new Set(tags)];
}
