import FFT from 'fft.js';

/**
 * 1-D complex DFT of any length. Power-of-two lengths go straight to fft.js; others (the
 * model's 224) use Bluestein's chirp-z algorithm on a power-of-two fft.js transform, so no GPL
 * or process-hooking WebAssembly FFT is needed (see docs/decisions/0001-fft-library.md).
 */
class ComplexDft {
  readonly size: number;
  readonly #direct: FFT | null;
  readonly #conv: FFT | null;
  readonly #chirp: Float64Array; // w_k = exp(-i*pi*k^2/N), interleaved re/im
  readonly #chirpSpectrum: number[];
  readonly #work: number[];
  readonly #workOut: number[];
  readonly #input: number[];

  constructor(size: number) {
    this.size = size;
    const isPowerOfTwo = size >= 2 && (size & (size - 1)) === 0;
    this.#direct = isPowerOfTwo ? new FFT(size) : null;
    let m = 2;
    while (m < 2 * size - 1) m *= 2;
    this.#conv = isPowerOfTwo ? null : new FFT(m);
    this.#chirp = new Float64Array(2 * size);
    for (let k = 0; k < size; k++) {
      // k^2 mod 2N keeps the angle exact for large k.
      const angle = (-Math.PI * ((k * k) % (2 * size))) / size;
      this.#chirp[2 * k] = Math.cos(angle);
      this.#chirp[2 * k + 1] = Math.sin(angle);
    }
    const length = isPowerOfTwo ? size : m;
    this.#input = new Array<number>(2 * length).fill(0);
    this.#work = new Array<number>(2 * length).fill(0);
    this.#workOut = new Array<number>(2 * length).fill(0);
    this.#chirpSpectrum = new Array<number>(2 * length).fill(0);
    if (this.#conv) {
      const b = new Array<number>(2 * m).fill(0);
      for (let k = 0; k < size; k++) {
        const re = this.#chirp[2 * k] as number;
        const im = -(this.#chirp[2 * k + 1] as number);
        b[2 * k] = re;
        b[2 * k + 1] = im;
        if (k > 0) {
          b[2 * (m - k)] = re;
          b[2 * (m - k) + 1] = im;
        }
      }
      this.#conv.transform(this.#chirpSpectrum, b);
    }
  }

  /** In place on interleaved re/im `data` of length 2*size, reading with `stride` complex steps from `offset`. */
  transform(data: Float64Array, offset: number, stride: number): void {
    const n = this.size;
    if (this.#direct) {
      for (let k = 0; k < n; k++) {
        const at = 2 * (offset + k * stride);
        this.#input[2 * k] = data[at] as number;
        this.#input[2 * k + 1] = data[at + 1] as number;
      }
      this.#direct.transform(this.#work, this.#input);
      for (let k = 0; k < n; k++) {
        const at = 2 * (offset + k * stride);
        data[at] = this.#work[2 * k] as number;
        data[at + 1] = this.#work[2 * k + 1] as number;
      }
      return;
    }
    const conv = this.#conv as FFT;
    const chirp = this.#chirp;
    const a = this.#input;
    a.fill(0);
    for (let k = 0; k < n; k++) {
      const at = 2 * (offset + k * stride);
      const xr = data[at] as number;
      const xi = data[at + 1] as number;
      const wr = chirp[2 * k] as number;
      const wi = chirp[2 * k + 1] as number;
      a[2 * k] = xr * wr - xi * wi;
      a[2 * k + 1] = xr * wi + xi * wr;
    }
    conv.transform(this.#work, a);
    const spectrum = this.#chirpSpectrum;
    const work = this.#work;
    for (let k = 0; k < work.length; k += 2) {
      const ar = work[k] as number;
      const ai = work[k + 1] as number;
      const br = spectrum[k] as number;
      const bi = spectrum[k + 1] as number;
      work[k] = ar * br - ai * bi;
      work[k + 1] = ar * bi + ai * br;
    }
    conv.inverseTransform(this.#workOut, work);
    const out = this.#workOut;
    for (let k = 0; k < n; k++) {
      const at = 2 * (offset + k * stride);
      const cr = out[2 * k] as number;
      const ci = out[2 * k + 1] as number;
      const wr = chirp[2 * k] as number;
      const wi = chirp[2 * k + 1] as number;
      data[at] = cr * wr - ci * wi;
      data[at + 1] = cr * wi + ci * wr;
    }
  }
}

const dftCache = new Map<number, ComplexDft>();
function dftOf(size: number): ComplexDft {
  let dft = dftCache.get(size);
  if (!dft) {
    dft = new ComplexDft(size);
    dftCache.set(size, dft);
  }
  return dft;
}

/** |F(u, v)| of a real `height` x `width` image (row-major), unshifted (DC at [0, 0]). */
export function magnitudeSpectrum(values: ArrayLike<number>, width: number, height: number): Float64Array {
  const data = new Float64Array(2 * width * height);
  for (let i = 0; i < width * height; i++) data[2 * i] = values[i] as number;
  const rows = dftOf(width);
  for (let y = 0; y < height; y++) rows.transform(data, y * width, 1);
  const columns = dftOf(height);
  for (let x = 0; x < width; x++) columns.transform(data, x, width);
  const magnitude = new Float64Array(width * height);
  for (let i = 0; i < magnitude.length; i++)
    magnitude[i] = Math.hypot(data[2 * i] as number, data[2 * i + 1] as number);
  return magnitude;
}
