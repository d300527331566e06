/**
 * RSS that holmes-node's own heap snapshots added to this process. Writing a snapshot raises RSS by about ten times
 * the heap used, and the allocator keeps it (BENCHMARKS.md); counted as the service's, it would fire the memory rule
 * again and again on holmes-node's own damage. Process-wide, as RSS is: every Holmes instance in the process sees it.
 */
export class OwnRss {
  #added = 0;
  #last = 0;

  /** Bytes currently discounted. */
  get added(): number {
    return this.#added;
  }

  /** A snapshot moved RSS from `before` to `after`. */
  record(before: number, after: number): void {
    if (after > before) this.#added += after - before;
    this.#last = after;
  }

  /**
   * The RSS the service is responsible for. When RSS falls, the fall is first taken off what holmes-node added (the
   * allocator gave it back, or the service shrank: either way the discount only ever errs towards the true RSS).
   */
  discount(rss: number): number {
    if (this.#added === 0) return rss;
    if (rss < this.#last) this.#added = Math.max(0, this.#added - (this.#last - rss));
    this.#last = rss;
    return Math.max(0, rss - this.#added);
  }

  /** Forgets everything (tests). */
  reset(): void {
    this.#added = 0;
    this.#last = 0;
  }
}

/** The one record of this process's self-inflicted RSS. */
export const ownRss = new OwnRss();
