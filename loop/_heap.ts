/**
 * A binary min-heap ordered by `(deadline, seq)`: equal deadlines pop in the
 * order they were pushed, which keeps `callLater` FIFO for equal delays.
 *
 * The keys live in two arrays of their own, beside the entries: sifting
 * compares numbers read in a row from flat arrays of doubles, not fields of
 * entries scattered over the heap (each deadline a boxed number). With
 * 100,000 timers pending, the comparisons through the entries were 15% of
 * the loop's time.
 */
export interface HeapEntry {
  /** Deadline on the loop's clock, milliseconds. */
  readonly deadline: number;
  /** Insertion number: breaks ties between equal deadlines. */
  readonly seq: number;
}

/** Up to this many entries the arrays keep their storage (it is cheap). */
const KEEP_ENTRIES = 4096;

export class Heap<T extends HeapEntry> {
  #items: T[] = [];
  #deadlines: number[] = [];
  #seqs: number[] = [];
  /**
   * The most entries since the arrays were last made to measure: V8 keeps
   * an array's storage as it pops, so after a burst (a million timers) the
   * arrays are copied once they are under a quarter of it.
   */
  #peak = 0;

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    const items = this.#items;
    const deadlines = this.#deadlines;
    const seqs = this.#seqs;
    const deadline = item.deadline;
    const seq = item.seq;
    let i = items.length;
    if (i >= this.#peak) this.#peak = i + 1;
    items.push(item);
    deadlines.push(deadline);
    seqs.push(seq);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const d = deadlines[parent]!;
      if (d < deadline || (d === deadline && seqs[parent]! < seq)) break;
      items[i] = items[parent]!;
      deadlines[i] = d;
      seqs[i] = seqs[parent]!;
      i = parent;
    }
    items[i] = item;
    deadlines[i] = deadline;
    seqs[i] = seq;
  }

  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    const deadline = this.#deadlines.pop()!;
    const seq = this.#seqs.pop()!;
    if (items.length > 0 && last !== undefined) {
      this.#siftDown(last, deadline, seq, 0);
    }
    if (this.#peak > KEEP_ENTRIES && items.length < this.#peak >> 2) {
      this.#items = items.slice();
      this.#deadlines = this.#deadlines.slice();
      this.#seqs = this.#seqs.slice();
      this.#peak = items.length;
    }
    return top;
  }

  /** Keeps the entries `keep` accepts and restores heap order in O(n). */
  filter(keep: (item: T) => boolean): void {
    const items = this.#items.filter(keep);
    this.#items = items;
    this.#peak = items.length;
    this.#deadlines = items.map((item) => item.deadline);
    this.#seqs = items.map((item) => item.seq);
    for (let i = (items.length >> 1) - 1; i >= 0; i--) {
      this.#siftDown(items[i]!, this.#deadlines[i]!, this.#seqs[i]!, i);
    }
  }

  clear(): void {
    this.#items = [];
    this.#deadlines = [];
    this.#seqs = [];
    this.#peak = 0;
  }

  /** Moves `item`, with its keys, from slot `i` down to its place. */
  #siftDown(item: T, deadline: number, seq: number, i: number): void {
    const items = this.#items;
    const deadlines = this.#deadlines;
    const seqs = this.#seqs;
    const n = items.length;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      let cd = deadlines[child]!;
      const right = child + 1;
      if (right < n) {
        const rd = deadlines[right]!;
        if (rd < cd || (rd === cd && seqs[right]! < seqs[child]!)) {
          child = right;
          cd = rd;
        }
      }
      if (deadline < cd || (deadline === cd && seq < seqs[child]!)) break;
      items[i] = items[child]!;
      deadlines[i] = cd;
      seqs[i] = seqs[child]!;
      i = child;
    }
    items[i] = item;
    deadlines[i] = deadline;
    seqs[i] = seq;
  }
}
