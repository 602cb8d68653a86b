import { describe, expect, it } from 'vitest';
import { magnitudeSpectrum } from './fft2d.ts';

// Reference magnitudes from numpy: np.abs(np.fft.fft2(x)) with x[i] = (i*13 % 17) / 17.
const ramp = (n: number) => Array.from({ length: n }, (_, i) => ((i * 13) % 17) / 17);

describe('magnitudeSpectrum', () => {
  it('matches numpy on a 7x5 image (Bluestein path on both axes)', () => {
    const expected = [
      16, 0.6976495547551184, 0.8966284281665128, 0.8966284281665128, 0.6976495547551184, 0.901785796688921,
      4.775220543037337, 1.0031715130188816, 0.24321765819275606, 1.62339420290451, 1.5499148731105625,
      1.1597608693638206, 1.9213281019606716, 1.4385917041844607, 0.8768838034470328,
    ];
    const magnitude = magnitudeSpectrum(ramp(35), 5, 7);
    for (const [i, value] of expected.entries()) expect(magnitude[i]).toBeCloseTo(value, 9);
  });

  it('matches numpy at the model input width 224', () => {
    const magnitude = magnitudeSpectrum(ramp(3 * 224), 224, 3);
    const row1 = [0, 1, 7, 100, 223].map((x) => magnitude[224 + x]);
    const expected = [
      0.20377068324337816, 0.1936753121689525, 0.16592690584245726, 3.12651617923617, 0.21183518575395738,
    ];
    for (const [i, value] of row1.entries()) expect(value).toBeCloseTo(expected[i] as number, 9);
  });

  it('puts all energy of a constant image at DC', () => {
    const magnitude = magnitudeSpectrum(new Array(16 * 8).fill(2), 16, 8);
    expect(magnitude[0]).toBeCloseTo(256, 9);
    expect(magnitude.slice(1).every((m) => m < 1e-9)).toBe(true);
  });
});
