/**
 * A fixed-size ring of readings with an O(1) moving average.
 * The running sum is recomputed whenever the ring wraps, so floating-point drift cannot accumulate.
 */
export class Ring {
  readonly capacity: number;
  private readonly values: Float64Array;
  private next = 0;
  private count = 0;
  private sum = 0;
  private pushes = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer (got ${capacity})`);
    this.capacity = capacity;
    this.values = new Float64Array(capacity);
  }

  /** Number of readings held, at most `capacity`. */
  get size(): number {
    return this.count;
  }

  /** True once the ring holds `capacity` readings. */
  get full(): boolean {
    return this.count === this.capacity;
  }

  /** Average of the readings held; 0 when empty. */
  average(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /** The most recent reading, or undefined when empty. */
  latest(): number | undefined {
    if (this.count === 0) return undefined;
    return this.values[(this.next + this.capacity - 1) % this.capacity];
  }

  /** Readings pushed since creation or `clear()`, including those the ring no longer holds. */
  get total(): number {
    return this.pushes;
  }

  push(value: number): void {
    this.pushes++;
    if (this.count === this.capacity) this.sum -= this.values[this.next]!;
    else this.count++;
    this.values[this.next] = value;
    this.sum += value;
    this.next = (this.next + 1) % this.capacity;
    if (this.next === 0) this.sum = this.values.reduce((a, b) => a + b, 0);
  }

  /** The readings, oldest first (a copy). */
  toArray(): number[] {
    const out: number[] = [];
    const start = this.count === this.capacity ? this.next : 0;
    for (let i = 0; i < this.count; i++) out.push(this.values[(start + i) % this.capacity]!);
    return out;
  }

  clear(): void {
    this.next = 0;
    this.count = 0;
    this.sum = 0;
    this.pushes = 0;
    this.values.fill(0);
  }
}
