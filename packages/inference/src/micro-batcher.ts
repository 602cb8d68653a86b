/**
 * Collects single requests into batches, like Triton's dynamic batcher: a batch runs when it
 * reaches `maxBatch` items or `maxWaitMs` after its first item, whichever comes first. BullMQ's
 * open-source worker hands out one job at a time, so jobs in flight (worker concurrency) submit
 * here and each still completes or fails on its own.
 */
export class MicroBatcher<Item, Result> {
  readonly #run: (items: Item[]) => Promise<Result[]>;
  readonly #maxBatch: number;
  readonly #maxWaitMs: number;
  #pending: { item: Item; resolve: (r: Result) => void; reject: (e: unknown) => void }[] = [];
  #timer: NodeJS.Timeout | undefined;
  #inFlight = new Set<Promise<void>>();

  constructor(run: (items: Item[]) => Promise<Result[]>, options: { maxBatch: number; maxWaitMs: number }) {
    if (options.maxBatch < 1) throw new Error('maxBatch must be at least 1');
    this.#run = run;
    this.#maxBatch = options.maxBatch;
    this.#maxWaitMs = options.maxWaitMs;
  }

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (this.#pending.length >= this.#maxBatch) this.#flush();
      else this.#timer ??= setTimeout(() => this.#flush(), this.#maxWaitMs);
    });
  }

  /** Runs what is pending now and waits for every batch in flight. */
  async drain(): Promise<void> {
    this.#flush();
    await Promise.all(this.#inFlight);
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.#maxBatch);
      const running = this.#run(batch.map((entry) => entry.item))
        .then((results) => {
          if (results.length !== batch.length)
            throw new Error(`batch of ${batch.length} returned ${results.length} results`);
          for (const [i, entry] of batch.entries()) entry.resolve(results[i] as Result);
        })
        .catch((error: unknown) => {
          for (const entry of batch) entry.reject(error);
        });
      this.#inFlight.add(running);
      void running.finally(() => this.#inFlight.delete(running));
    }
  }
}
