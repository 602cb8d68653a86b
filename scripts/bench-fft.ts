// npm run bench:fft
// Times a 2-D FFT magnitude spectrum of a real image at 224x224 (the model's input) and
// 512x512 with the libraries considered in docs/decisions/0001-fft-library.md. fftw-js and
// @echogarden/pffft-wasm are not dependencies; to include them run
//   npm install --no-save fftw-js @echogarden/pffft-wasm
import { magnitudeSpectrum } from '@advscreen/detection';
import { describeMachine } from './machine.ts';

type Spectrum = (values: Float64Array, n: number) => void;

async function fftwSpectrum(): Promise<Spectrum | string> {
  try {
    // @ts-expect-error optional, GPL-licensed: installed only to run this comparison
    const { default: fftw } = await import('fftw-js');
    return (values, n) => {
      // Rows: real-to-complex. Columns: the complex DFT of a + ib is DFT(a) + i DFT(b), two
      // real transforms each, since fftw-js exposes only real-input plans.
      const plan = new fftw.FFT(n);
      const half = n / 2 + 1;
      const re = new Float64Array(n * half);
      const im = new Float64Array(n * half);
      const row = new Float32Array(n);
      for (let y = 0; y < n; y++) {
        for (let x = 0; x < n; x++) row[x] = values[y * n + x] as number;
        const out = plan.forward(row) as Float32Array;
        for (let k = 0; k < half; k++) {
          re[y * half + k] = out[2 * k] as number;
          im[y * half + k] = out[2 * k + 1] as number;
        }
      }
      const column = new Float32Array(n);
      let sink = 0;
      for (let k = 0; k < half; k++) {
        for (let y = 0; y < n; y++) column[y] = re[y * half + k] as number;
        const a = (plan.forward(column) as Float32Array).slice();
        for (let y = 0; y < n; y++) column[y] = im[y * half + k] as number;
        const b = plan.forward(column) as Float32Array;
        for (let v = 0; v < half; v++) {
          sink += Math.hypot(
            (a[2 * v] as number) - (b[2 * v + 1] as number),
            (a[2 * v + 1] as number) + (b[2 * v] as number),
          );
        }
      }
      plan.dispose();
      if (Number.isNaN(sink)) throw new Error('NaN');
    };
  } catch {
    return 'not installed';
  }
}

async function pffftSpectrum(): Promise<Spectrum | string> {
  try {
    // @ts-expect-error optional: installed only to run this comparison
    const { default: load } = await import('@echogarden/pffft-wasm/simd');
    const m = await load();
    return (values, n) => {
      const setup = m._pffft_new_setup(n, 1);
      if (!setup) throw new Error(`pffft has no plan for size ${n} (sizes must be 16 x 2^a 3^b 5^c)`);
      const bytes = 8 * n;
      const input = m._pffft_aligned_malloc(bytes);
      const output = m._pffft_aligned_malloc(bytes);
      const work = m._pffft_aligned_malloc(bytes);
      const data = new Float32Array(2 * n * n);
      for (let i = 0; i < n * n; i++) data[2 * i] = values[i] as number;
      const heap = () => new Float32Array(m.HEAPF32.buffer);
      const line = new Float32Array(2 * n);
      for (const stride of [1, n]) {
        for (let start = 0; start < n; start++) {
          const first = stride === 1 ? start * n : start;
          for (let k = 0; k < n; k++) {
            line[2 * k] = data[2 * (first + k * stride)] as number;
            line[2 * k + 1] = data[2 * (first + k * stride) + 1] as number;
          }
          heap().set(line, input / 4);
          m._pffft_transform_ordered(setup, input, output, work, 0);
          const result = heap().subarray(output / 4, output / 4 + 2 * n);
          for (let k = 0; k < n; k++) {
            data[2 * (first + k * stride)] = result[2 * k] as number;
            data[2 * (first + k * stride) + 1] = result[2 * k + 1] as number;
          }
        }
      }
      for (let i = 0; i < n * n; i++) Math.hypot(data[2 * i] as number, data[2 * i + 1] as number);
      for (const p of [input, output, work]) m._pffft_aligned_free(p);
      m._pffft_destroy_setup(setup);
    };
  } catch (error) {
    return (error as Error).message.includes('Cannot find') ? 'not installed' : (error as Error).message;
  }
}

const candidates: Record<string, Spectrum | string> = {
  'fft.js 4.0.4 (+ Bluestein for non-powers of two), MIT': (values, n) => {
    magnitudeSpectrum(values, n, n);
  },
  'fftw-js 0.1.4, GPL': await fftwSpectrum(),
  '@echogarden/pffft-wasm 0.4.2 SIMD, BSD-3-Clause': await pffftSpectrum(),
};

console.log(`bench:fft  2-D magnitude spectrum of a real image, median of 30 runs`);
console.log(`machine    ${describeMachine()}`);
for (const n of [224, 512]) {
  const values = Float64Array.from({ length: n * n }, (_, i) => ((i * 7919) % 256) / 255);
  for (const [name, run] of Object.entries(candidates)) {
    if (typeof run === 'string') {
      console.log(`${String(n).padStart(4)}x${n}  ${name.padEnd(52)} ${run}`);
      continue;
    }
    try {
      for (let i = 0; i < 5; i++) run(values, n);
      const times: number[] = [];
      for (let i = 0; i < 30; i++) {
        const t = performance.now();
        run(values, n);
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      console.log(`${String(n).padStart(4)}x${n}  ${name.padEnd(52)} ${(times[15] as number).toFixed(2)} ms`);
    } catch (error) {
      console.log(`${String(n).padStart(4)}x${n}  ${name.padEnd(52)} ${(error as Error).message}`);
    }
  }
}
