/**
 * Finagle-style retry budget: each request deposits `ratio` of a token, each
 * retry withdraws one, and `minPerSecond` tokens accrue with time so a quiet
 * pool can still retry. Bounded, so a dead backend cannot cause a retry storm.
 */
export class RetryBudget {
  #tokens: number;
  #last = Date.now();
  readonly #ratio: number;
  readonly #minPerSecond: number;
  readonly #cap: number;

  constructor(ratio: number, minPerSecond: number) {
    this.#ratio = ratio;
    this.#minPerSecond = minPerSecond;
    this.#cap = Math.max(10, minPerSecond * 10);
    this.#tokens = this.#cap;
  }

  deposit(): void {
    const t = this.#tokens + this.#ratio;
    this.#tokens = t > this.#cap ? this.#cap : t;
  }

  tryWithdraw(): boolean {
    const now = Date.now();
    const refill = ((now - this.#last) / 1000) * this.#minPerSecond;
    this.#last = now;
    this.#tokens = Math.min(this.#cap, this.#tokens + refill);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  get tokens(): number {
    return this.#tokens;
  }
}
