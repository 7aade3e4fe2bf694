/**
 * Martin Porter's 1980 suffix-stripping stemmer, after his reference C implementation (the one
 * SQLite's FTS5 `porter` tokenizer follows), so a word stems here as it does in the lexical index.
 * It keeps the reference's two departures from the paper: `bli` → `ble` and `logi` → `log`.
 */
export function porterStem(word: string): string {
  // Words of one or two letters are left alone, as in the reference.
  if (word.length <= 2 || !/^[a-z]+$/.test(word)) return word;
  const s = new PorterState(word);
  s.step1ab();
  if (s.k > 0) {
    s.step1c();
    s.step2();
    s.step3();
    s.step4();
    s.step5();
  }
  return s.b.slice(0, s.k + 1);
}

/** The word being stemmed: `b[0..k]` is its current form, `j` marks where a matched suffix starts. */
class PorterState {
  k: number;
  j = 0;
  constructor(public b: string) {
    this.k = b.length - 1;
  }

  /** Whether `b[i]` is a consonant; `y` is one when it follows a vowel or starts the word. */
  private cons(i: number): boolean {
    switch (this.b[i]) {
      case 'a': case 'e': case 'i': case 'o': case 'u':
        return false;
      case 'y':
        return i === 0 ? true : !this.cons(i - 1);
      default:
        return true;
    }
  }

  /** The measure m of `b[0..j]`: the n in [C](VC)^n[V]. */
  private m(): number {
    let n = 0;
    let i = 0;
    const j = this.j;
    for (;;) {
      if (i > j) return n;
      if (!this.cons(i)) break;
      i++;
    }
    i++;
    for (;;) {
      for (;;) {
        if (i > j) return n;
        if (this.cons(i)) break;
        i++;
      }
      i++;
      n++;
      for (;;) {
        if (i > j) return n;
        if (!this.cons(i)) break;
        i++;
      }
      i++;
    }
  }

  private vowelInStem(): boolean {
    for (let i = 0; i <= this.j; i++) if (!this.cons(i)) return true;
    return false;
  }

  private doubleConsonant(i: number): boolean {
    return i >= 1 && this.b[i] === this.b[i - 1] && this.cons(i);
  }

  /** consonant-vowel-consonant ending at i, the last not w, x or y: `hop`, not `snow`. */
  private cvc(i: number): boolean {
    if (i < 2 || !this.cons(i) || this.cons(i - 1) || !this.cons(i - 2)) return false;
    const ch = this.b[i];
    return ch !== 'w' && ch !== 'x' && ch !== 'y';
  }

  private ends(suffix: string): boolean {
    const length = suffix.length;
    if (length > this.k + 1) return false;
    if (this.b.slice(this.k - length + 1, this.k + 1) !== suffix) return false;
    this.j = this.k - length;
    return true;
  }

  private setTo(replacement: string): void {
    this.b = this.b.slice(0, this.j + 1) + replacement + this.b.slice(this.k + 1);
    this.k = this.j + replacement.length;
  }

  private replaceIfMeasured(replacement: string): void {
    if (this.m() > 0) this.setTo(replacement);
  }

  /** Replaces the first suffix of `rules` the word ends with, when the stem before it has m > 0. */
  private firstRule(rules: readonly (readonly [string, string])[]): void {
    for (const [suffix, replacement] of rules) {
      if (this.ends(suffix)) {
        this.replaceIfMeasured(replacement);
        return;
      }
    }
  }

  /** Plurals and -ed or -ing. */
  step1ab(): void {
    if (this.b[this.k] === 's') {
      if (this.ends('sses')) this.k -= 2;
      else if (this.ends('ies')) this.setTo('i');
      else if (this.b[this.k - 1] !== 's') this.k--;
    }
    if (this.ends('eed')) {
      if (this.m() > 0) this.k--;
    } else if ((this.ends('ed') || this.ends('ing')) && this.vowelInStem()) {
      this.k = this.j;
      if (this.ends('at')) this.setTo('ate');
      else if (this.ends('bl')) this.setTo('ble');
      else if (this.ends('iz')) this.setTo('ize');
      else if (this.doubleConsonant(this.k)) {
        this.k--;
        const ch = this.b[this.k];
        if (ch === 'l' || ch === 's' || ch === 'z') this.k++;
      } else if (this.m() === 1 && this.cvc(this.k)) this.setTo('e');
    }
  }

  /** Terminal y to i when there is another vowel in the stem. */
  step1c(): void {
    if (this.ends('y') && this.vowelInStem()) this.b = this.b.slice(0, this.k) + 'i' + this.b.slice(this.k + 1);
  }

  /** Double suffixes to single ones: -ization → -ize. */
  step2(): void {
    const rules = STEP2[this.b[this.k - 1] ?? ''];
    if (rules) this.firstRule(rules);
  }

  /** -ic-, -full, -ness and the like. */
  step3(): void {
    const rules = STEP3[this.b[this.k] ?? ''];
    if (rules) this.firstRule(rules);
  }

  /** Takes off -ant, -ence and the like when the stem keeps m > 1. */
  step4(): void {
    const suffixes = STEP4[this.b[this.k - 1] ?? ''];
    if (!suffixes) return;
    let matched = false;
    for (const suffix of suffixes) {
      if (!this.ends(suffix)) continue;
      if (suffix === 'ion' && !(this.j >= 0 && (this.b[this.j] === 's' || this.b[this.j] === 't'))) continue;
      matched = true;
      break;
    }
    if (matched && this.m() > 1) this.k = this.j;
  }

  /** A final -e, and -ll to -l, when m > 1. */
  step5(): void {
    this.j = this.k;
    if (this.b[this.k] === 'e') {
      const a = this.m();
      if (a > 1 || (a === 1 && !this.cvc(this.k - 1))) this.k--;
    }
    if (this.b[this.k] === 'l' && this.doubleConsonant(this.k) && this.m() > 1) this.k--;
  }
}

type Rules = Readonly<Record<string, readonly (readonly [string, string])[]>>;

// Keyed by the penultimate letter, as the reference switches on it.
const STEP2: Rules = {
  a: [['ational', 'ate'], ['tional', 'tion']],
  c: [['enci', 'ence'], ['anci', 'ance']],
  e: [['izer', 'ize']],
  l: [['bli', 'ble'], ['alli', 'al'], ['entli', 'ent'], ['eli', 'e'], ['ousli', 'ous']],
  o: [['ization', 'ize'], ['ation', 'ate'], ['ator', 'ate']],
  s: [['alism', 'al'], ['iveness', 'ive'], ['fulness', 'ful'], ['ousness', 'ous']],
  t: [['aliti', 'al'], ['iviti', 'ive'], ['biliti', 'ble']],
  g: [['logi', 'log']],
};

// Keyed by the last letter.
const STEP3: Rules = {
  e: [['icate', 'ic'], ['ative', ''], ['alize', 'al']],
  i: [['iciti', 'ic']],
  l: [['ical', 'ic'], ['ful', '']],
  s: [['ness', '']],
};

// Keyed by the penultimate letter.
const STEP4: Readonly<Record<string, readonly string[]>> = {
  a: ['al'],
  c: ['ance', 'ence'],
  e: ['er'],
  i: ['ic'],
  l: ['able', 'ible'],
  n: ['ant', 'ement', 'ment', 'ent'],
  o: ['ion', 'ou'],
  s: ['ism'],
  t: ['ate', 'iti'],
  u: ['ous'],
  v: ['ive'],
  z: ['ize'],
};
