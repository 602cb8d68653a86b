/** One-line progress on a terminal: done/total, rate and ETA, redrawn at most 10 times a second. */
export class ProgressBar {
  readonly #stream: NodeJS.WriteStream;
  readonly #started = performance.now();
  /** Unknown while the listing goes on: the scan screens what it has listed meanwhile. */
  #total: number | null = null;
  #done = 0;
  #lastDraw = 0;

  constructor(stream: NodeJS.WriteStream) {
    this.#stream = stream;
  }

  setTotal(total: number): void {
    this.#total = total;
    this.#draw(true);
  }

  tick(): void {
    this.#done++;
    this.#draw(this.#done === this.#total);
  }

  finish(): void {
    this.#stream.write('\r\x1b[2K');
  }

  #draw(force: boolean): void {
    const now = performance.now();
    if (!force && now - this.#lastDraw < 100) return;
    this.#lastDraw = now;
    const seconds = (now - this.#started) / 1000;
    const rate = seconds > 0 ? this.#done / seconds : 0;
    const total = this.#total;
    const eta = total !== null && rate > 0 ? Math.ceil((total - this.#done) / rate) : null;
    const width = 30;
    const filled = total ? Math.round((this.#done / total) * width) : 0;
    const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
    this.#stream.write(
      `\r\x1b[2K[${bar}] ${this.#done}/${total ?? '? (listing)'}  ${rate.toFixed(1)} img/s  ETA ${eta === null ? '?' : `${eta}s`}`,
    );
  }
}
