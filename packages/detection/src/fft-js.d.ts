declare module 'fft.js' {
  /** Radix-4 FFT on interleaved re/im arrays (fft.js 4.x). */
  export default class FFT {
    constructor(size: number);
    readonly size: number;
    createComplexArray(): number[];
    transform(out: number[], data: number[]): void;
    inverseTransform(out: number[], data: number[]): void;
    realTransform(out: number[], data: number[]): void;
    completeSpectrum(spectrum: number[]): void;
  }
}
