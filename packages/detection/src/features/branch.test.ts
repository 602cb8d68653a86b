import { describe, expect, it } from 'vitest';
import {
  BRANCHES,
  branchOf,
  GRAPHICS_FLAT_SHARE,
  headFeatureCounts,
  headFeatures,
  NEAREST_BRANCH,
  nearestAvailable,
  scoredView,
  scoringBranch,
  thumbnailView,
} from './branch.ts';
import { DCT_FEATURE_COUNT } from './dct-features.ts';
import { RESIDUAL_FEATURE_COUNT } from './residual-features.ts';
import { STRIPE_FEATURE_COUNT } from './stripe-features.ts';

const residual = Float64Array.from({ length: RESIDUAL_FEATURE_COUNT }, (_, i) => i / 1000);
const stripes = new Float64Array(STRIPE_FEATURE_COUNT).fill(1);

describe('branchOf', () => {
  it('scores a JPEG with the JPEG model only on its own pixels, and any input resized for analysis apart', () => {
    expect(branchOf({ format: 'jpeg', ownPixels: true })).toBe('jpeg');
    expect(branchOf({ format: 'png', ownPixels: true })).toBe('lossless');
    expect(branchOf({ format: 'jpeg', ownPixels: false })).toBe('resized');
    expect(branchOf({ format: 'webp', ownPixels: false })).toBe('resized');
  });

  it('gives lossy WebP on its own pixels a branch of its own; lossless WebP is lossless', () => {
    expect(branchOf({ format: 'webp', ownPixels: true, lossyWebp: true })).toBe('webp');
    expect(branchOf({ format: 'webp', ownPixels: true, lossyWebp: false })).toBe('lossless');
    expect(branchOf({ format: 'webp', ownPixels: true })).toBe('lossless');
    expect(branchOf({ format: 'webp', ownPixels: false, lossyWebp: true })).toBe('resized');
  });

  it('gives lossy AVIF on its own pixels a branch of its own, unless resized for analysis; lossless AVIF is lossless', () => {
    expect(branchOf({ format: 'avif', ownPixels: true })).toBe('avif');
    expect(branchOf({ format: 'avif', ownPixels: true, losslessAvif: false })).toBe('avif');
    expect(branchOf({ format: 'avif', ownPixels: true, losslessAvif: true })).toBe('lossless');
    expect(branchOf({ format: 'avif', ownPixels: false, losslessAvif: true })).toBe('resized');
    expect(branchOf({ format: 'avif', ownPixels: false })).toBe('resized');
  });

  it('gives palette images (GIF, palette PNG) on their own pixels a branch of their own, unless resized', () => {
    expect(branchOf({ format: 'gif', ownPixels: true, palette: true })).toBe('palette');
    expect(branchOf({ format: 'png', ownPixels: true, palette: true })).toBe('palette');
    expect(branchOf({ format: 'png', ownPixels: true, palette: false })).toBe('lossless');
    expect(branchOf({ format: 'gif', ownPixels: false, palette: true })).toBe('resized');
  });

  it('gives grey images the grey branch, whatever their format and size', () => {
    for (const format of ['png', 'jpeg', 'webp', 'gif'])
      for (const ownPixels of [true, false])
        expect(branchOf({ format, ownPixels, jpegChroma: null, palette: true, grey: true }), format).toBe(
          'grey',
        );
    expect(branchOf({ format: 'png', ownPixels: true, grey: false })).toBe('lossless');
    expect(branchOf({ format: 'png', ownPixels: false, grey: false })).toBe('resized');
  });

  it('gives graphics (mostly flat pairs) stored losslessly the graphics branch, whatever their size', () => {
    const graphic = { ownPixels: true, flatShare: GRAPHICS_FLAT_SHARE };
    expect(branchOf({ ...graphic, format: 'png' })).toBe('graphics');
    expect(branchOf({ ...graphic, format: 'png', ownPixels: false })).toBe('graphics');
    expect(branchOf({ ...graphic, format: 'gif', palette: true, grey: true })).toBe('graphics');
    expect(branchOf({ ...graphic, format: 'webp', lossyWebp: false })).toBe('graphics');
    expect(branchOf({ ...graphic, format: 'avif', losslessAvif: true })).toBe('graphics');
    // Lossy files keep their formats' models.
    expect(branchOf({ ...graphic, format: 'jpeg' })).toBe('jpeg');
    expect(branchOf({ ...graphic, format: 'webp', lossyWebp: true })).toBe('webp');
    expect(branchOf({ ...graphic, format: 'avif' })).toBe('avif');
    expect(branchOf({ ...graphic, format: 'png', flatShare: GRAPHICS_FLAT_SHARE - 0.01 })).toBe('lossless');
  });

  it('scores graphics as before under a detector file without a graphics model', () => {
    const without = (branch: string) => branch !== 'graphics';
    expect(scoringBranch({ format: 'png', ownPixels: true, flatShare: 0.9 }, () => true)).toBe('graphics');
    expect(scoringBranch({ format: 'png', ownPixels: true, flatShare: 0.9 }, without)).toBe('lossless');
    expect(scoringBranch({ format: 'png', ownPixels: false, flatShare: 0.9 }, without)).toBe('resized');
    expect(scoringBranch({ format: 'png', ownPixels: true, flatShare: 0.9, grey: true }, without)).toBe(
      'grey',
    );
  });

  it('gives JPEGs with 4:4:4 and with 4:2:2 chroma their own branches, unless resized for analysis', () => {
    const jpeg = (jpegChroma: '4:2:0' | '4:2:2' | '4:4:4' | 'other' | null, ownPixels = true) =>
      branchOf({ format: 'jpeg', ownPixels, jpegChroma });
    expect([jpeg('4:4:4'), jpeg('4:2:2'), jpeg('4:2:0')]).toEqual(['jpeg444', 'jpeg422', 'jpeg']);
    // Other and unknown subsampling is scored as the commonest, 4:2:0.
    expect([jpeg('other'), jpeg(null)]).toEqual(['jpeg', 'jpeg']);
    expect([jpeg('4:4:4', false), jpeg('4:2:2', false)]).toEqual(['resized', 'resized']);
  });

  it('gives finely quantised JPEGs (quality above 95) their own branches, by chroma', () => {
    // IJG mean luminance steps: 5.8 at quality 95, 4.6 at 96, 1 at 100.
    const jpeg = (jpegQuantStep: number | null, jpegChroma: '4:2:0' | '4:2:2' | '4:4:4' = '4:2:0') =>
      branchOf({ format: 'jpeg', ownPixels: true, jpegChroma, jpegQuantStep });
    expect([jpeg(5.77), jpeg(4.56), jpeg(1), jpeg(null)]).toEqual(['jpeg', 'jpegFine', 'jpegFine', 'jpeg']);
    expect([jpeg(5.77, '4:4:4'), jpeg(1, '4:4:4')]).toEqual(['jpeg444', 'jpeg444Fine']);
    expect([jpeg(5.77, '4:2:2'), jpeg(1, '4:2:2')]).toEqual(['jpeg422', 'jpeg422Fine']);
    expect(branchOf({ format: 'png', ownPixels: true, jpegQuantStep: 1 })).toBe('lossless');
    expect(branchOf({ format: 'jpeg', ownPixels: false, jpegQuantStep: 1 })).toBe('resized');
  });
});

describe('thumbnailView', () => {
  const image = { width: 64, height: 48, data: new Uint8Array(64 * 48 * 3) };
  const png = { format: 'png', jpegQuantStep: null, ownPixels: false, jpegBlocks: null };
  const thumbnail = { image, jpegBlocks: null };
  const every = () => true;

  it("scores a lossless colour thumbnail's own pixels with the thumbnail model, JPEGs' with their JPEG model", () => {
    expect(thumbnailView({ ...png, thumbnail }, every)).toMatchObject({
      image,
      branch: 'thumbnail',
      origin: { ownPixels: true, picture: null },
    });
    for (const format of ['tiff', 'webp'])
      expect(thumbnailView({ ...png, format, thumbnail }, every)?.branch).toBe('thumbnail');
    const blocks = { lumaTable: Array(64).fill(4) };
    const jpeg = { ...png, format: 'jpeg', jpegQuantStep: 11.5, jpegChroma: '4:4:4' as const };
    const view = thumbnailView({ ...jpeg, thumbnail: { image, jpegBlocks: blocks } }, every);
    expect(view).toMatchObject({ branch: 'jpeg444', origin: { jpegBlocks: blocks, ownPixels: true } });
    expect(
      thumbnailView({ ...jpeg, thumbnail }, (b) => b === 'thumbnail' || b === 'jpeg' || b === 'lossless')
        ?.branch,
    ).toBe('jpeg');
  });

  it('leaves other inputs to the analysis image: no thumbnail model, not a thumbnail, graphics, grey, palette, lossy WebP and AVIF', () => {
    expect(thumbnailView({ ...png, thumbnail }, (b) => b !== 'thumbnail')).toBeNull();
    expect(thumbnailView(png, every)).toBeNull();
    expect(thumbnailView({ ...png, thumbnail: null }, every)).toBeNull();
    for (const origin of [
      { ...png, flatShare: GRAPHICS_FLAT_SHARE },
      { ...png, grey: true },
      { ...png, format: 'gif', palette: true },
      { ...png, format: 'webp', lossyWebp: true },
      { ...png, format: 'avif' },
    ])
      expect(thumbnailView({ ...origin, thumbnail }, every), JSON.stringify(origin)).toBeNull();
  });
});

describe('scoredView', () => {
  const analysis = { width: 224, height: 224, data: new Uint8Array(224 * 224 * 3) };
  const own = { width: 64, height: 48, data: new Uint8Array(64 * 48 * 3) };
  const png = { format: 'png', jpegQuantStep: null, ownPixels: false, jpegBlocks: null };

  it("gives a thumbnail's own pixels where thumbnailView does, else the analysis image by its scoring branch", () => {
    const thumbnail = { image: own, jpegBlocks: null };
    expect(scoredView(analysis, { ...png, thumbnail }, () => true)).toMatchObject({
      image: own,
      branch: 'thumbnail',
      thumbnail: true,
    });
    const without = (b: string) => b !== 'thumbnail';
    expect(scoredView(analysis, { ...png, thumbnail }, without)).toEqual({
      image: analysis,
      origin: { ...png, thumbnail },
      branch: 'resized',
      thumbnail: false,
    });
    const graphic = { ...png, ownPixels: true, flatShare: 0.9 };
    expect(scoredView(analysis, graphic, without).branch).toBe(scoringBranch(graphic, without));
  });
});

describe('nearestAvailable', () => {
  it("takes a branch's own model, else the nearest one there is, down to the lossless model", () => {
    const having =
      (...branches: string[]) =>
      (b: string) =>
        branches.includes(b);
    expect(nearestAvailable('jpeg444Fine', having('lossless', 'jpeg', 'jpeg444', 'jpeg444Fine'))).toBe(
      'jpeg444Fine',
    );
    expect(nearestAvailable('jpeg444Fine', having('lossless', 'jpeg', 'jpeg444'))).toBe('jpeg444');
    expect(nearestAvailable('jpeg444Fine', having('lossless', 'jpeg'))).toBe('jpeg');
    expect(nearestAvailable('jpeg422Fine', having('lossless', 'jpeg', 'jpegFine'))).toBe('jpeg');
    expect(nearestAvailable('jpegFine', having('lossless', 'jpeg'))).toBe('jpeg');
    expect(nearestAvailable('resized', having('lossless', 'jpeg'))).toBe('lossless');
    expect(nearestAvailable('webp', having('lossless', 'jpeg'))).toBe('lossless');
    expect(nearestAvailable('avif', having('lossless', 'jpeg', 'webp'))).toBe('lossless');
    expect(nearestAvailable('palette', having('lossless', 'jpeg', 'avif'))).toBe('lossless');
    expect(nearestAvailable('jpeg', having())).toBe('lossless');
  });

  it('leads every optional branch to a JPEG model from a JPEG branch and to the lossless one otherwise', () => {
    // resizedLossless and luma score no input of their own: they are only ever second opinions.
    const routed = BRANCHES.filter((b) => b !== 'resizedLossless' && b !== 'luma');
    for (const branch of routed) {
      const nearest = nearestAvailable(branch, (b) => b === 'jpeg' || b === 'lossless');
      expect(nearest === 'jpeg' ? branch.startsWith('jpeg') : !branch.startsWith('jpeg')).toBe(true);
    }
    expect(Object.keys(NEAREST_BRANCH).sort()).toEqual(
      routed.filter((b) => b !== 'jpeg' && b !== 'lossless').sort(),
    );
  });
});

describe('headFeatures', () => {
  it('gives each head of each branch as many features as its model expects', () => {
    const lossless = headFeatures('lossless', residual, stripes, {
      quantStep: null,
      dct: null,
      lumaStripes: null,
    });
    const jpeg = headFeatures('jpeg', residual, stripes, {
      quantStep: 11.5,
      dct: new Float64Array(DCT_FEATURE_COUNT).fill(0.5),
      lumaStripes: Float64Array.of(1, 2, 3, 0.5),
    });
    expect([lossless.dense.length, lossless.stripes.length]).toEqual([
      headFeatureCounts('lossless').dense,
      headFeatureCounts('lossless').stripes,
    ]);
    expect([jpeg.dense.length, jpeg.stripes.length]).toEqual([
      headFeatureCounts('jpeg').dense,
      headFeatureCounts('jpeg').stripes,
    ]);
    // The DCT features follow the quantisation step, then again times log(step).
    const step = jpeg.dense.indexOf(Math.log(11.5));
    expect(jpeg.dense.slice(step + 1, step + 1 + DCT_FEATURE_COUNT)).toEqual(
      new Array(DCT_FEATURE_COUNT).fill(0.5),
    );
    expect(jpeg.dense[step + 1 + DCT_FEATURE_COUNT]).toBeCloseTo(0.5 * Math.log(11.5), 12);
  });

  it("ends the JPEG stripes head's features with the quantisation and the luminance stripes (strengths on a log scale)", () => {
    const jpeg = headFeatures('jpeg', residual, stripes, {
      quantStep: 11.5,
      dct: null,
      lumaStripes: Float64Array.of(1, 2, -3, 0.5),
    });
    expect(jpeg.stripes.slice(STRIPE_FEATURE_COUNT)).toEqual([
      Math.log(11.5),
      Math.log1p(1),
      Math.log1p(2),
      -Math.log1p(3),
      0.5,
    ]);
  });

  it('marks DCT features missing (NaN) when the JPEG has no block grid to read them from', () => {
    const jpeg = headFeatures('jpeg', residual, stripes, { quantStep: 11.5, dct: null, lumaStripes: null });
    expect(jpeg.dense.filter(Number.isNaN)).toHaveLength(2 * DCT_FEATURE_COUNT);
  });
});
