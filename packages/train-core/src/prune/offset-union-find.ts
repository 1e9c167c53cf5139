/**
 * Union-find over channel spaces that also remembers how the spaces line up: joining two
 * spaces says "channel i of A is channel i + delta of B". A residual Add ties two spaces
 * channel for channel (delta 0); an Add of a Concatenate's output with a conv ties the conv's
 * channels to two spaces at two offsets. Every space then has one coordinate on its group's
 * shared channel axis, and pruning coordinate k removes the matching channel of every space.
 */
export class OffsetUnionFind {
  private readonly parent: number[] = [];
  /** coordinate in parent = coordinate in node + offset. */
  private readonly offset: number[] = [];

  /** Adds a node (a channel space) and returns its id. */
  add(): number {
    this.parent.push(this.parent.length);
    this.offset.push(0);
    return this.parent.length - 1;
  }

  get size(): number {
    return this.parent.length;
  }

  /** The root of `x` and the offset of `x`'s channel 0 on the root's axis. */
  find(x: number): { root: number; offset: number } {
    let off = 0;
    let r = x;
    while (this.parent[r] !== r) {
      off += this.offset[r]!;
      r = this.parent[r]!;
    }
    // Path compression: point every node on the way straight at the root.
    let node = x;
    let acc = off;
    while (this.parent[node] !== node) {
      const next = this.parent[node]!;
      const step = this.offset[node]!;
      this.parent[node] = r;
      this.offset[node] = acc;
      acc -= step;
      node = next;
    }
    return { root: r, offset: off };
  }

  /**
   * Ties channel i of `a` to channel i + `delta` of `b`. Returns false when the two are
   * already tied at another offset (the model would need one channel to be two).
   */
  union(a: number, b: number, delta: number): boolean {
    const fa = this.find(a);
    const fb = this.find(b);
    if (fa.root === fb.root) return fa.offset === delta + fb.offset;
    // coord_root(b) of a's channel i = i + delta + fb.offset = (i + fa.offset) + offset[ra].
    this.parent[fa.root] = fb.root;
    this.offset[fa.root] = delta + fb.offset - fa.offset;
    return true;
  }
}
