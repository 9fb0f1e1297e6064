/**
 * A hash table of 64-bit state fingerprints, each with a 32-bit value, in
 * one typed array (open addressing, linear probing) — the visited set of
 * SPIN and TLC, not a JavaScript Map of strings. A slot is three 32-bit
 * words (fingerprint lanes A and B, value), 12 bytes; the table grows by
 * half when three quarters full, so it holds a state in 16 to 24 bytes. The
 * array lives outside the JavaScript heap, so the heap limit does not bound
 * the number of states.
 *
 * The fingerprint (0, 0) marks an empty slot; a state whose fingerprint is
 * (0, 0) is stored as (1, 0) — one more (negligible) way to collide.
 */
export class FingerprintSet {
  private table: Int32Array;
  private capacity: number;
  private count = 0;
  /** the slot of the last `visit` (for `update`) */
  private last = -1;

  // small at first: a large table would cost a small search more bytes per state than it stores
  constructor(private readonly initialCapacity = 1 << 12) {
    this.capacity = initialCapacity;
    this.table = new Int32Array(initialCapacity * 3);
  }

  get size(): number {
    return this.count;
  }

  /** bytes held by the table */
  get bytes(): number {
    return this.table.byteLength;
  }

  /**
   * The value stored with fingerprint (a, b), or -1 when absent — in which
   * case the fingerprint is added with `value` (which must be ≥ 0). Either
   * way `update` then changes the value of this entry.
   */
  visit(a: number, b: number, value: number): number {
    const v = this.lookup(a, b);
    if (v < 0) this.add(a, b, value);
    return v;
  }

  /** The value stored with fingerprint (a, b), or -1 when absent (nothing is added); `update` then changes a found entry's value. */
  lookup(a: number, b: number): number {
    if (a === 0 && b === 0) a = 1;
    const t = this.table;
    const cap = this.capacity;
    let i = slotOf(b, cap);
    for (;;) {
      const o = i * 3;
      const sa = t[o] as number;
      const sb = t[o + 1] as number;
      if (sa === a && sb === b) {
        this.last = i;
        return t[o + 2] as number;
      }
      if (sa === 0 && sb === 0) return -1;
      i = i + 1 === cap ? 0 : i + 1;
    }
  }

  /** Adds fingerprint (a, b), which must be absent, with `value` (≥ 0); `update` then changes its value. */
  add(a: number, b: number, value: number): void {
    if (a === 0 && b === 0) a = 1;
    const t = this.table;
    const cap = this.capacity;
    let i = slotOf(b, cap);
    while ((t[i * 3] as number) !== 0 || (t[i * 3 + 1] as number) !== 0) i = i + 1 === cap ? 0 : i + 1;
    t[i * 3] = a;
    t[i * 3 + 1] = b;
    t[i * 3 + 2] = value;
    this.count++;
    if (this.count * 4 > cap * 3) {
      this.grow();
      this.last = this.find(a, b);
    } else {
      this.last = i;
    }
  }

  /** Sets the value of the entry the last `visit` or `lookup` found or added. */
  update(value: number): void {
    this.table[this.last * 3 + 2] = value;
  }

  /** Empties the table (a fresh one: the system hands out zeroed pages, cheaper than writing zeros over a large table). */
  clear(): void {
    this.capacity = this.initialCapacity;
    this.table = new Int32Array(this.initialCapacity * 3);
    this.count = 0;
    this.last = -1;
  }

  private find(a: number, b: number): number {
    const t = this.table;
    const cap = this.capacity;
    let i = slotOf(b, cap);
    while (!((t[i * 3] as number) === a && (t[i * 3 + 1] as number) === b)) i = i + 1 === cap ? 0 : i + 1;
    return i;
  }

  private grow(): void {
    const old = this.table;
    const oldCap = this.capacity;
    const cap = Math.ceil(oldCap * 1.5);
    const t = new Int32Array(cap * 3);
    for (let j = 0; j < oldCap; j++) {
      const o = j * 3;
      const a = old[o] as number;
      const b = old[o + 1] as number;
      if (a === 0 && b === 0) continue;
      let i = slotOf(b, cap);
      while ((t[i * 3] as number) !== 0 || (t[i * 3 + 1] as number) !== 0) i = i + 1 === cap ? 0 : i + 1;
      t[i * 3] = a;
      t[i * 3 + 1] = b;
      t[i * 3 + 2] = old[o + 2] as number;
    }
    this.table = t;
    this.capacity = cap;
  }
}

/** The home slot of a fingerprint: lane B scaled to the capacity (lane A is compared, not used to place). */
function slotOf(b: number, cap: number): number {
  return Math.floor(((b >>> 0) / 4294967296) * cap);
}
