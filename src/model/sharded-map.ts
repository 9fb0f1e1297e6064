/**
 * A string-keyed map for tens of millions of entries. A JavaScript Map
 * holds at most 2^24 (16.7M) entries, and a two-CPU kernel search can
 * remember more states than that; this spreads the keys over 256 Maps by a
 * hash of the key. The hash only picks the Map: keys are compared exactly,
 * so nothing is lost to collisions.
 */
export class ShardedMap<V> {
  private readonly shards: Map<string, V>[] = Array.from({ length: SHARDS }, () => new Map<string, V>());
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(key: string): V | undefined {
    return this.shard(key).get(key);
  }

  set(key: string, value: V): void {
    const m = this.shard(key);
    const before = m.size;
    m.set(key, value);
    this.count += m.size - before;
  }

  clear(): void {
    for (const m of this.shards) m.clear();
    this.count = 0;
  }

  private shard(key: string): Map<string, V> {
    // FNV-1a over the UTF-16 code units, folded to a shard number
    let h = 0x811c9dc5;
    for (let i = 0; i < key.length; i++) {
      h ^= key.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    return this.shards[(h >>> 0) % SHARDS] as Map<string, V>;
  }
}

const SHARDS = 256;
