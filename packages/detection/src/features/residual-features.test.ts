import type { RgbImage } from '@advscreen/contracts';
import { describe, expect, it } from 'vitest';
import {
  chromaNoiseRate,
  extractGreyResidualFeatures,
  extractResidualFeatures,
  RESIDUAL_FEATURE_COUNT,
} from './residual-features.ts';

// Histogram bin of the residual pair (a, b) after merging with (-a, -b): the smaller of the
// indices (a+3)*7+(b+3) and its mirror 48 - index.
const bin = (a: number, b: number) => Math.min((a + 3) * 7 + (b + 3), 48 - ((a + 3) * 7 + (b + 3)));

describe('extractResidualFeatures', () => {
  it('puts every pair of a flat image in the zero bin of each histogram', () => {
    const flat: RgbImage = { width: 5, height: 4, data: new Uint8Array(5 * 4 * 3).fill(90) };
    const features = extractResidualFeatures(flat);
    expect(features).toHaveLength(RESIDUAL_FEATURE_COUNT);
    expect([features[24], features[25 + 24], features[50 + 24], features[75 + 24]]).toEqual([1, 1, 1, 1]);
    expect(features.reduce((sum, v) => sum + v, 0)).toBe(4);
  });

  it('counts hand-worked residual pairs on a 3x1 image', () => {
    // Pixels (0,0,0) (2,0,0) (2,0,5): residuals R 2,0  G 0,0  B 0,5 (clipped to 3).
    const image: RgbImage = { width: 3, height: 1, data: Uint8Array.from([0, 0, 0, 2, 0, 0, 2, 0, 5]) };
    const f = extractResidualFeatures(image);
    // cross: (R,G) pairs (2,0), (0,0); (B,G) pairs (0,0), (3,0).
    expect(f[bin(2, 0)]).toBe(1 / 4);
    expect(f[bin(0, 0)]).toBe(2 / 4);
    expect(f[bin(3, 0)]).toBe(1 / 4);
    // chroma across: R-G residuals 2 then 0; B-G residuals 0 then 3 (5 clipped). None down.
    expect(f[25 + bin(2, 0)]).toBe(1 / 2);
    expect(f[25 + bin(0, 3)]).toBe(1 / 2);
    expect(f.slice(50, 75).every((v) => v === 0)).toBe(true);
    // colour: R (2,0), G (0,0), B (0,3).
    expect([f[75 + bin(2, 0)], f[75 + bin(0, 0)], f[75 + bin(0, 3)]]).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(chromaNoiseRate(f)).toBe(1 / 4);
  });

  it('keeps chroma across and chroma down apart', () => {
    const pixels = [0, 0, 0, 2, 0, 0, 2, 0, 5];
    const across = extractResidualFeatures({ width: 3, height: 1, data: Uint8Array.from(pixels) });
    const down = extractResidualFeatures({ width: 1, height: 3, data: Uint8Array.from(pixels) });
    expect(Array.from(down.slice(50, 75))).toEqual(Array.from(across.slice(25, 50)));
    expect(Array.from(down.slice(75))).toEqual(Array.from(across.slice(75)));
  });

  it('treats a pattern and its negative alike', () => {
    const data = Uint8Array.from({ length: 6 * 5 * 3 }, (_, i) => (i * 53) % 200);
    const negative = data.map((v) => 255 - v);
    const a = extractResidualFeatures({ width: 6, height: 5, data });
    const b = extractResidualFeatures({ width: 6, height: 5, data: negative });
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i] as number, 12);
  });

  it('sees per-channel noise added to a smooth gradient', () => {
    const width = 32;
    const height = 32;
    const smooth = Uint8Array.from(
      { length: width * height * 3 },
      (_, i) => 60 + (Math.floor(i / 3) % width) * 2,
    );
    let seed = 7;
    const noisy = smooth.map((v) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return v + ((seed >>> 30) & 1 ? 2 : -2);
    });
    const quiet = chromaNoiseRate(extractResidualFeatures({ width, height, data: smooth }));
    const loud = chromaNoiseRate(extractResidualFeatures({ width, height, data: noisy }));
    expect(quiet).toBe(0);
    expect(loud).toBeGreaterThan(0.3);
  });

  it('matches a direct count of the seven pair histograms on a random image', () => {
    let seed = 11;
    const width = 9;
    const height = 7;
    const data = Uint8Array.from({ length: width * height * 3 }, () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return 100 + ((seed >>> 16) % 9) - 4;
    });
    // Reference: each histogram counted straight from its definition, then merged with its mirror.
    const clip = (r: number) => Math.max(-3, Math.min(3, r));
    const px = (x: number, y: number, c: number) => data[3 * (y * width + x) + c] as number;
    const pair = (a: number, b: number) => (clip(a) + 3) * 7 + clip(b) + 3;
    const add = (counts: number[], bin: number) => {
      counts[bin] = (counts[bin] as number) + 1;
    };
    const cross = new Array(49).fill(0);
    const chroma = [new Array(49).fill(0), new Array(49).fill(0)];
    const colour = new Array(49).fill(0);
    const residual = (x: number, y: number, dx: number, dy: number) =>
      [0, 1, 2].map((c) => px(x + dx, y + dy, c) - px(x, y, c)) as [number, number, number];
    for (const [dx, dy, direction] of [
      [1, 0, 0],
      [0, 1, 1],
    ] as const) {
      for (let y = 0; y + dy < height; y++) {
        for (let x = 0; x + dx < width; x++) {
          const [r, g, b] = residual(x, y, dx, dy);
          add(cross, pair(r, g));
          add(cross, pair(b, g));
          if (x + 2 * dx >= width || y + 2 * dy >= height) continue;
          const [r2, g2, b2] = residual(x + dx, y + dy, dx, dy);
          const hist = chroma[direction] as number[];
          add(hist, pair(r - g, r2 - g2));
          add(hist, pair(b - g, b2 - g2));
          for (const [a, a2] of [
            [r, r2],
            [g, g2],
            [b, b2],
          ] as const)
            add(colour, pair(a, a2));
        }
      }
    }
    const merged = (counts: number[]) => {
      const total = counts.reduce((sum, n) => sum + n, 0);
      return Array.from(
        { length: 25 },
        (_, i) => ((counts[i] as number) + (i === 24 ? 0 : (counts[48 - i] as number))) / total,
      );
    };
    const expected = [
      ...merged(cross),
      ...merged(chroma[0] as number[]),
      ...merged(chroma[1] as number[]),
      ...merged(colour),
    ];
    expect(Array.from(extractResidualFeatures({ width, height, data }))).toEqual(expected);
  });
});

describe('extractGreyResidualFeatures', () => {
  it("gives a grey image's features exactly as extractResidualFeatures does, from its one plane", () => {
    let state = 7;
    const next = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state >>> 24;
    };
    for (const [width, height] of [
      [224, 224],
      [37, 5],
      [3, 1],
      [1, 3],
      [2, 2],
      [1, 1],
    ] as const) {
      // Smooth runs with noise, so that residuals fall both inside and outside the clip.
      const grey = new Uint8Array(width * height);
      for (let i = 0; i < grey.length; i++)
        grey[i] = Math.max(0, Math.min(255, 128 + ((i % 13) - 6) * 3 + (next() % 7) - 3));
      const rgb = new Uint8Array(grey.length * 3);
      grey.forEach((v, i) => {
        rgb.fill(v, 3 * i, 3 * i + 3);
      });
      expect(Array.from(extractGreyResidualFeatures(grey, width, height)), `${width}x${height}`).toEqual(
        Array.from(extractResidualFeatures({ width, height, data: rgb })),
      );
    }
  });
});
