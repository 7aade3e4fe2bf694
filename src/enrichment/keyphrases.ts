import { porterStem } from '../embedding/lsa/porter-stemmer.js';
import { normaliseTag } from './tag-text.js';

// Words that end a phrase: function words, and the verbs, adverbs and adjectives every abstract
// uses whatever it is about.
const BOUNDARY = new Set(
  (
    'a about above across after again against all almost along also although always am among an and any are around as at be ' +
    'because been before being below between both but by can could did do does doing done down during each either else enough ' +
    'especially even ever every few for from further had has have having here how however if in into is it its itself just ' +
    'less like many may might more moreover most much must namely neither no nor not now of off often on once one only onto or ' +
    'other others otherwise our ours out over own per rather same several should since so some still such than that the their ' +
    'them then there therefore these they this those though thus to too two three four five under unlike until up upon us very ' +
    'via was we well were what when where whereas whether which while who whom whose why will with within without would yet you ' +
    'able achieve achieved achieves achieving address addresses allow allows applied apply based better best called can ' +
    'compared comparable consider considered demonstrate demonstrates demonstrated describe described design designed develop ' +
    'developed different effective effectively enable enables existing experiment experiments experimental explore explored ' +
    'extensive first following given good high highly improve improved improves improving including introduce introduced ' +
    'introduces large last lead leads low make makes making new novel obtain obtained outperform outperforms paper present ' +
    'presented presents previous promising propose proposed proposes provide provides recent recently related require requires ' +
    'respectively second show showed shown shows significant significantly simple small state-of-the-art sota strong study ' +
    'studies studied substantial successfully superior three towards use used uses using various via way ways whole work works ' +
    'absolute relative improvement improvements gain gains code available publicly github https http www com org et al e.g i.e etc'
  ).split(' '),
);
// Words that may sit inside a phrase (`language model`, `reinforcement learning`) but say too
// little to be a tag alone.
const WEAK = new Set(
  (
    'algorithm algorithms analysis application applications approach approaches data dataset datasets framework frameworks ' +
    'learning method methods model models network networks performance problem problems result results set sets system systems ' +
    'task tasks technique techniques training art number time terms case cases order part level point points'
  ).split(' '),
);

const MAX_WORDS = 3;

interface Candidate {
  count: number;
  firstAt: number;
  surfaces: Map<string, number>;
}

/** Runs of content words: what lies between punctuation and boundary words. */
function runsOf(text: string): string[][] {
  const clean = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    // LaTeX commands and math delimiters carry no topic words.
    .replace(/\\[a-z]+/g, ' ')
    .replace(/https?:\/\/\S+/g, ' ');
  const runs: string[][] = [];
  for (const segment of clean.split(/[^\p{L}\p{N}\s'-]+/u)) {
    let run: string[] = [];
    for (const raw of segment.split(/\s+/)) {
      const word = raw.replace(/^['-]+|['-]+$/g, '').replace(/'s$/, '');
      if (word.length < 2 || BOUNDARY.has(word) || /^[\d-]+$/.test(word)) {
        if (run.length) runs.push(run);
        run = [];
      } else run.push(word);
    }
    if (run.length) runs.push(run);
  }
  return runs;
}

/**
 * The phrases of one to three words a title and abstract keep returning to, as tags: each
 * phrase counts once per mention in the abstract and twice in the title; those mentioned at
 * least twice (or once in the title) rank by count with a bonus per extra word, so `swin
 * transformer` outranks `transformer`. Inflections count together (`model`/`models`) and show
 * in their most frequent spelling. A phrase inside one already chosen is skipped; one that
 * contains a chosen phrase takes its place. Phrases of weak words only (`results`, `proposed
 * model`) are never tags.
 */
export function keyphrases(title: string, abstract: string, max: number): string[] {
  const candidates = new Map<string, Candidate>();
  // Each word is stemmed once per call, not once per n-gram it is in.
  const stems = new Map<string, string>();
  const stem = (word: string) => {
    let s = stems.get(word);
    if (s === undefined) stems.set(word, (s = porterStem(word)));
    return s;
  };
  let position = 0;
  const count = (text: string, weight: number) => {
    for (const run of runsOf(text)) {
      for (let n = 1; n <= MAX_WORDS; n++) {
        for (let i = 0; i + n <= run.length; i++) {
          const words = run.slice(i, i + n);
          if (words.every((w) => WEAK.has(w))) continue;
          const key = words.map(stem).join(' ');
          const surface = words.join(' ');
          const c = candidates.get(key) ?? { count: 0, firstAt: position++, surfaces: new Map() };
          c.count += weight;
          c.surfaces.set(surface, (c.surfaces.get(surface) ?? 0) + 1);
          candidates.set(key, c);
        }
      }
    }
  };
  count(title, 2);
  count(abstract, 1);

  const ranked = [...candidates]
    .filter(([, c]) => c.count >= 2)
    .map(([key, c]) => ({ key, c, score: c.count * (1 + 0.5 * (key.split(' ').length - 1)) }))
    .sort((a, b) => b.score - a.score || a.c.firstAt - b.c.firstAt);

  // A longer phrase takes the place of a shorter one it contains (`image restoration` over
  // `image`): the shorter is usually the more frequent and the less telling.
  const within = (inner: string, outer: string) => ` ${outer} `.includes(` ${inner} `);
  const chosen: { key: string; tag: string }[] = [];
  for (const { key, c } of ranked.slice(0, max * 8)) {
    if (chosen.some((k) => within(key, k.key))) continue;
    const tag = normaliseTag([...c.surfaces].sort((a, b) => b[1] - a[1])[0]![0]);
    if (!tag || chosen.some((k) => k.tag === tag)) continue;
    const replaced = chosen.findIndex((k) => within(k.key, key));
    if (replaced >= 0) {
      chosen[replaced] = { key, tag };
      for (let i = chosen.length - 1; i > replaced; i--) if (within(chosen[i]!.key, key)) chosen.splice(i, 1);
    } else if (chosen.length < max) chosen.push({ key, tag });
  }
  return chosen.map((k) => k.tag);
}
