/**
 * 32-bit hash mixing for state fingerprints. A fingerprint is two 32-bit
 * lanes computed with different constants, so the two lanes behave as two
 * independent hash functions and together give a 64-bit fingerprint.
 *
 * `step` folds one 32-bit word into a running hash (the body of MurmurHash3,
 * lane A; lane B uses the constants of xxHash32); `finish` is the final
 * avalanche. Both are bijections of the running hash for a fixed word, so a
 * chain of steps loses nothing before the final comparison.
 */

export function stepA(h: number, x: number): number {
  let k = Math.imul(x, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  let r = h ^ k;
  r = (r << 13) | (r >>> 19);
  return (Math.imul(r, 5) + 0xe6546b64) | 0;
}

export function stepB(h: number, x: number): number {
  let r = (h + Math.imul(x, 0xc2b2ae3d)) | 0;
  r = (r << 17) | (r >>> 15);
  return Math.imul(r, 0x27d4eb2f);
}

export function finishA(h: number): number {
  let r = h ^ (h >>> 16);
  r = Math.imul(r, 0x85ebca6b);
  r ^= r >>> 13;
  r = Math.imul(r, 0xc2b2ae35);
  return r ^ (r >>> 16);
}

export function finishB(h: number): number {
  let r = h ^ (h >>> 15);
  r = Math.imul(r, 0x85ebca77);
  r ^= r >>> 13;
  r = Math.imul(r, 0x165667b1);
  return r ^ (r >>> 16);
}

/**
 * Zobrist-style hash of one memory cell holding one value, per lane. The
 * memory's hash is the XOR of its cells' hashes, so a write updates it in
 * O(1): XOR out the old value's hash, XOR in the new one's.
 */
export function cellA(addr: number, value: number): number {
  return finishA(stepA(stepA(0x3c6ef372, addr), value));
}

export function cellB(addr: number, value: number): number {
  return finishB(stepB(stepB(0x165667b1, addr), value));
}

/**
 * A bound on the probability that a fingerprinted search took a new state
 * for a stored one (and so may have skipped it): each of `lookups` lookups
 * compares one 64-bit fingerprint with at most `stored` others, each equal
 * by chance with probability 2⁻⁶⁴ — TLC reports the same kind of figure.
 */
export function collisionProbability(lookups: number, stored: number): number {
  return Math.min(1, (lookups * stored) / 2 ** 64);
}
