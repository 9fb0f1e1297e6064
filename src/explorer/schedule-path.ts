/**
 * The choices from the initial state to the current one, as a growable
 * typed array. The reduced dfs cuts it back at every branch it returns to;
 * truncating a JavaScript array (`length = n`) is a runtime call, a length
 * field is a store.
 */
export class SchedulePath {
  private buf = new Int32Array(256);
  length = 0;

  push(c: number): void {
    if (this.length === this.buf.length) {
      const bigger = new Int32Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.length++] = c;
  }

  at(i: number): number {
    return this.buf[i] as number;
  }

  /** the choices as a plain array (a schedule) */
  toArray(): number[] {
    return Array.from(this.buf.subarray(0, this.length));
  }
}
