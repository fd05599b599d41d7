/**
 * A binary min-heap ordered by `(deadline, seq)`: equal deadlines pop in the
 * order they were pushed, which keeps `callLater` FIFO for equal delays.
 */
export interface HeapEntry {
  /** Deadline on the loop's clock, milliseconds. */
  readonly deadline: number;
  /** Insertion number: breaks ties between equal deadlines. */
  readonly seq: number;
}

function less(a: HeapEntry, b: HeapEntry): boolean {
  return a.deadline < b.deadline ||
    (a.deadline === b.deadline && a.seq < b.seq);
}

export class Heap<T extends HeapEntry> {
  #items: T[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    const items = this.#items;
    let i = items.length;
    items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (!less(item, p)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = item;
  }

  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) this.#siftDown(last, 0);
    return top;
  }

  /** Keeps the entries `keep` accepts and restores heap order in O(n). */
  filter(keep: (item: T) => boolean): void {
    this.#items = this.#items.filter(keep);
    for (let i = (this.#items.length >> 1) - 1; i >= 0; i--) {
      this.#siftDown(this.#items[i]!, i);
    }
  }

  clear(): void {
    this.#items = [];
  }

  #siftDown(item: T, i: number): void {
    const items = this.#items;
    const n = items.length;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && less(items[right]!, items[child]!)) child = right;
      const c = items[child]!;
      if (!less(c, item)) break;
      items[i] = c;
      i = child;
    }
    items[i] = item;
  }
}
