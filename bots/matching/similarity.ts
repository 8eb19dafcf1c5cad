/**
 * String similarity for matching folded values (`[a-z0-9]` only): a bounded optimal string
 * alignment (Damerau-Levenshtein) distance and a small phonetic key for names. Both work on
 * values that demographics.ts has already folded.
 */

/** Optimal string alignment distance <= 1: one insertion, deletion, substitution or adjacent transposition. */
export function withinOneEdit(a: string, b: string): boolean {
  return editDistance(a, b, 1) <= 1;
}

/**
 * Optimal string alignment distance between `a` and `b`, or `max + 1` as soon as it is known to
 * be larger than `max` (names and streets are short, so the table stays small).
 */
export function editDistance(a: string, b: string, max: number): number {
  if (a === b) {
    return 0;
  }
  if (Math.abs(a.length - b.length) > max) {
    return max + 1;
  }
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, (before[j - 2] as number) + 1);
      }
      current.push(d);
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin > max) {
      return max + 1;
    }
    before = previous;
    previous = current;
  }
  return Math.min(previous[b.length] as number, max + 1);
}

/**
 * A phonetic key for a folded name: the first letter, then the consonants as they sound, with
 * doubled sounds collapsed (`stephen`, `steven` -> `stfn`; `catherine`, `kathryn` -> `ktrn`;
 * `sarah`, `saraa` -> `sr`). Vowels after the first letter, `h` and `w` carry no sound here.
 */
export function phoneticKey(name: string): string {
  const sounds = name
    .replace(/^(kn|gn|pn|wr)/, (m) => m.charAt(1))
    .replace(/ph/g, 'f')
    .replace(/v/g, 'f')
    .replace(/c(?=[eiy])/g, 's')
    .replace(/ck|c|q/g, 'k')
    .replace(/x/g, 'ks')
    .replace(/z/g, 's')
    .replace(/dg/g, 'j')
    .replace(/y/g, 'i');
  let key = sounds.charAt(0);
  for (const ch of sounds.slice(1)) {
    if ('aeiouhw'.includes(ch) || /\d/.test(ch)) {
      continue;
    }
    if (key.charAt(key.length - 1) !== ch) {
      key += ch;
    }
  }
  return key;
}
