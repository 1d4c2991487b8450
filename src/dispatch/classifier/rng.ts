import { mulberry32 } from '../../platform/rng.ts';

/** Seeded PRNG: the same seed gives the same shuffles, folds and models. */
export const rng = mulberry32;

/** Fisher-Yates shuffle in place of the first `n` items. */
export function shuffle<T extends { [i: number]: number; length: number }>(a: T, rand: () => number, n = a.length): T {
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}
