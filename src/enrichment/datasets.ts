/**
 * A curated list of the datasets and benchmarks ML papers name most, each with the spellings
 * papers use. Names that are also English words or common acronyms (GLUE, ARC, C4, the Pile, The
 * Stack, Natural Questions) match only in their own capitalisation; the rest match in any case.
 */
interface DatasetEntry {
  /** Canonical names the match stands for: one, or two for a joint spelling (`CIFAR-10/100`). */
  readonly names: readonly string[];
  /** Regular expression source of the spellings. */
  readonly pattern: string;
  /** Match case exactly (for names that are also words). */
  readonly exactCase?: boolean;
}

const ENTRIES: readonly DatasetEntry[] = [
  // Vision
  { names: ['ImageNet'], pattern: String.raw`ImageNet(?:[- ]?1k)?|ILSVRC(?:[- ]?20\d\d)?` },
  { names: ['ImageNet-21k'], pattern: String.raw`ImageNet[- ]?2[12]k` },
  { names: ['COCO'], pattern: String.raw`(?:MS[- ]?)?COCO`, exactCase: true },
  { names: ['CIFAR-10'], pattern: String.raw`CIFAR[- ]?10` },
  { names: ['CIFAR-100'], pattern: String.raw`CIFAR[- ]?100` },
  { names: ['CIFAR-10', 'CIFAR-100'], pattern: String.raw`CIFAR[- ]?10\s?\/\s?(?:CIFAR[- ]?)?100` },
  { names: ['MNIST'], pattern: 'MNIST' },
  { names: ['Fashion-MNIST'], pattern: String.raw`Fashion[- ]?MNIST` },
  { names: ['SVHN'], pattern: 'SVHN' },
  { names: ['CelebA'], pattern: String.raw`CelebA(?:[- ]?HQ)?` },
  { names: ['FFHQ'], pattern: 'FFHQ', exactCase: true },
  { names: ['LSUN'], pattern: 'LSUN', exactCase: true },
  { names: ['ADE20K'], pattern: String.raw`ADE[- ]?20k` },
  { names: ['Cityscapes'], pattern: 'Cityscapes|CityScapes', exactCase: true },
  { names: ['Pascal VOC'], pattern: String.raw`(?:PASCAL|Pascal)[- ]VOC(?:[- ]?20(?:07|12))?|VOC[- ]?20(?:07|12)`, exactCase: true },
  { names: ['LVIS'], pattern: 'LVIS', exactCase: true },
  { names: ['Places365'], pattern: String.raw`Places[- ]?365` },
  { names: ['iNaturalist'], pattern: 'iNaturalist' },
  { names: ['Visual Genome'], pattern: 'Visual Genome', exactCase: true },
  { names: ['VQAv2'], pattern: String.raw`VQA[- ]?v2(?:\.0)?` },
  { names: ['Flickr30k'], pattern: String.raw`Flickr[- ]?30k` },
  { names: ['KITTI'], pattern: 'KITTI', exactCase: true },
  { names: ['nuScenes'], pattern: 'nuScenes' },
  { names: ['Waymo Open Dataset'], pattern: 'Waymo Open(?: Dataset)?', exactCase: true },
  { names: ['ScanNet'], pattern: 'ScanNet(?:v2|\\+\\+)?', exactCase: true },
  { names: ['ShapeNet'], pattern: 'ShapeNet', exactCase: true },
  { names: ['Objaverse'], pattern: 'Objaverse(?:[- ]?XL)?' },
  { names: ['LAION-5B'], pattern: String.raw`LAION[- ]?5B` },
  { names: ['LAION-400M'], pattern: String.raw`LAION[- ]?400M` },
  // Video and audio
  { names: ['Kinetics-400'], pattern: String.raw`Kinetics[- ]?400` },
  { names: ['Kinetics-600'], pattern: String.raw`Kinetics[- ]?600` },
  { names: ['Kinetics-700'], pattern: String.raw`Kinetics[- ]?700` },
  { names: ['Something-Something V2'], pattern: String.raw`Something[- ]Something(?:[- ]?v2)?` },
  { names: ['UCF101'], pattern: String.raw`UCF[- ]?101` },
  { names: ['HMDB51'], pattern: String.raw`HMDB[- ]?51` },
  { names: ['LibriSpeech'], pattern: String.raw`Libri[- ]?Speech` },
  { names: ['Common Voice'], pattern: 'Common Voice', exactCase: true },
  { names: ['AudioSet'], pattern: String.raw`Audio[- ]?Set`, exactCase: true },
  { names: ['VoxCeleb'], pattern: 'VoxCeleb[12]?' },
  { names: ['LJSpeech'], pattern: String.raw`LJ[- ]?Speech` },
  // Language: pre-training corpora
  { names: ['C4'], pattern: String.raw`Colossal Clean Crawled Corpus|m?C4(?!-?(?:equivariant|symmetr|group|rotation))`, exactCase: true },
  { names: ['The Pile'], pattern: '[Tt]he Pile', exactCase: true },
  { names: ['The Stack'], pattern: 'The Stack(?: v2)?', exactCase: true },
  { names: ['Common Crawl'], pattern: String.raw`Common[- ]?Crawl` },
  { names: ['OpenWebText'], pattern: String.raw`Open[- ]?Web[- ]?Text2?` },
  { names: ['WikiText-103'], pattern: String.raw`Wiki[- ]?Text[- ]?103|WT103` },
  { names: ['WikiText-2'], pattern: String.raw`Wiki[- ]?Text[- ]?2` },
  { names: ['Penn Treebank'], pattern: String.raw`Penn Tree[- ]?[Bb]ank|PTB`, exactCase: true },
  { names: ['RedPajama'], pattern: String.raw`Red[- ]?Pajama` },
  { names: ['RefinedWeb'], pattern: 'RefinedWeb' },
  { names: ['FineWeb'], pattern: String.raw`FineWeb(?:[- ]?Edu)?` },
  { names: ['Dolma'], pattern: 'Dolma', exactCase: true },
  // Language: benchmarks
  { names: ['GLUE'], pattern: 'GLUE', exactCase: true },
  { names: ['SuperGLUE'], pattern: String.raw`Super[- ]?GLUE`, exactCase: true },
  { names: ['SQuAD'], pattern: String.raw`SQ[uU]AD(?:\s?v?[12](?:\.[01])?)?`, exactCase: true },
  { names: ['MultiNLI'], pattern: String.raw`Multi[- ]?NLI|MNLI`, exactCase: true },
  { names: ['SNLI'], pattern: 'SNLI', exactCase: true },
  { names: ['SST-2'], pattern: String.raw`SST[- ]?2`, exactCase: true },
  { names: ['MMLU'], pattern: 'MMLU' },
  { names: ['MMLU-Pro'], pattern: String.raw`MMLU[- ]Pro` },
  { names: ['GSM8K'], pattern: String.raw`GSM[- ]?8k` },
  { names: ['HumanEval'], pattern: String.raw`Human[- ]?Eval` },
  { names: ['MBPP'], pattern: 'MBPP' },
  { names: ['MS MARCO'], pattern: String.raw`MS[- ]?MARCO` },
  { names: ['Natural Questions'], pattern: 'Natural Questions|NQ', exactCase: true },
  { names: ['TriviaQA'], pattern: String.raw`Trivia[- ]?QA` },
  { names: ['HotpotQA'], pattern: String.raw`Hotpot[- ]?QA` },
  { names: ['HellaSwag'], pattern: String.raw`Hella[- ]?Swag` },
  { names: ['ARC'], pattern: String.raw`AI2 Reasoning Challenge|ARC(?:[- ](?:Challenge|Easy|[ce]))?`, exactCase: true },
  { names: ['ARC-AGI'], pattern: String.raw`ARC[- ]AGI(?:[- ]?[12])?|Abstraction and Reasoning Corpus`, exactCase: true },
  { names: ['BIG-bench'], pattern: String.raw`(?:BIG|Big)[- ]?[Bb]ench`, exactCase: true },
  { names: ['BIG-Bench Hard'], pattern: String.raw`(?:BIG|Big)[- ]?[Bb]ench[- ]Hard|BBH`, exactCase: true },
  { names: ['TruthfulQA'], pattern: String.raw`Truthful[- ]?QA` },
  { names: ['WinoGrande'], pattern: String.raw`Wino[- ]?Grande` },
  { names: ['PIQA'], pattern: 'PIQA', exactCase: true },
  { names: ['BoolQ'], pattern: 'BoolQ' },
  { names: ['LAMBADA'], pattern: 'LAMBADA' },
  { names: ['GPQA'], pattern: 'GPQA', exactCase: true },
  { names: ['MT-Bench'], pattern: String.raw`MT[- ]?Bench`, exactCase: true },
  { names: ['AlpacaEval'], pattern: String.raw`Alpaca[- ]?Eval` },
  { names: ['SWE-bench'], pattern: String.raw`SWE[- ]?[Bb]ench`, exactCase: true },
  { names: ['LiveCodeBench'], pattern: 'LiveCodeBench' },
  { names: ['WMT'], pattern: String.raw`WMT(?:[- ]?'?\d{2}(?:\d{2})?)?`, exactCase: true },
  // Retrieval and science
  { names: ['BEIR'], pattern: 'BEIR', exactCase: true },
  { names: ['SciFact'], pattern: String.raw`Sci[- ]?Fact` },
  // Graphs, health, control
  { names: ['OGB'], pattern: String.raw`Open Graph Benchmark|OGB|ogb[ngl]-[a-z0-9-]+` },
  { names: ['Cora'], pattern: 'Cora', exactCase: true },
  { names: ['MIMIC'], pattern: String.raw`MIMIC[- ]?(?:III|IV|CXR)`, exactCase: true },
  { names: ['CheXpert'], pattern: 'CheXpert' },
  { names: ['D4RL'], pattern: 'D4RL' },
];

// No letter, digit, underscore or hyphen before (so `Fashion-MNIST` is not `MNIST`, nor
// `SuperGLUE` `GLUE`); no letter, digit or underscore after (a hyphen may follow: `ImageNet-pretrained`).
const compiled = ENTRIES.map((e) => ({
  names: e.names,
  regex: new RegExp(String.raw`(?<![\p{L}\p{N}_-])(?:${e.pattern})(?![\p{L}\p{N}_])`, e.exactCase ? 'gu' : 'giu'),
}));

/** The canonical names of every dataset in the list, for display and tests. */
export const KNOWN_DATASETS: readonly string[] = [...new Set(ENTRIES.flatMap((e) => e.names))];

/**
 * The datasets of the list a text names, canonical names in order of first mention, each once.
 * Where spellings overlap the longest wins (`BIG-Bench Hard` over `BIG-bench`, `ImageNet-21k`
 * over `ImageNet`).
 */
export function findDatasets(text: string): string[] {
  const matches: { start: number; end: number; names: readonly string[] }[] = [];
  for (const { names, regex } of compiled) {
    for (const m of text.matchAll(regex)) matches.push({ start: m.index, end: m.index + m[0].length, names });
  }
  matches.sort((a, b) => a.start - b.start || b.end - a.end);
  const out = new Set<string>();
  let coveredTo = -1;
  for (const m of matches) {
    if (m.start < coveredTo) continue;
    coveredTo = m.end;
    for (const name of m.names) out.add(name);
  }
  return [...out];
}
