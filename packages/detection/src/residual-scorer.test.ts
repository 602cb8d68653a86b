import type { RgbImage } from '@advscreen/contracts';
import { describe, expect, it } from 'vitest';
import { type DetectorModelFile, loadDetectorModel } from './detector-file.ts';
import { createResidualScorer, scoredBranch } from './residual-scorer.ts';

const image: RgbImage = {
  width: 224,
  height: 224,
  data: Uint8Array.from({ length: 224 * 224 * 3 }, (_, i) => (i * 7919) % 251),
};
const resizedPng = { format: 'png', jpegQuantStep: null, ownPixels: false, jpegBlocks: null };
const ownPng = { ...resizedPng, ownPixels: true };
const small: RgbImage = {
  width: 112,
  height: 96,
  data: Uint8Array.from({ length: 112 * 96 * 3 }, (_, i) => (i * 6151) % 241),
};
const thumbnailPng = { ...resizedPng, thumbnail: { image: small, jpegBlocks: null } };

/** The branch with each head's operating point 1 higher: it scores every input 1 lower. */
const raisedByOne = (branch: DetectorModelFile['branches']['jpeg']) => ({
  dense: { ...branch.dense, offset: branch.dense.offset + 1 },
  ...(branch.stripes ? { stripes: { ...branch.stripes, offset: branch.stripes.offset + 1 } } : {}),
});

describe('createResidualScorer', () => {
  const model = loadDetectorModel();

  it('scores an input resized for analysis with the resized model, or the lossless one when the file has none', () => {
    const { resized: _, ...withoutResized } = model.branches;
    const older = createResidualScorer({ ...model, branches: withoutResized });
    expect(older.score(image, resizedPng)).toEqual(older.score(image, ownPng));
    expect(older.score(image, resizedPng).signals.resizedBranch).toBeUndefined();

    // A resized model that is the lossless one with its operating point 1 higher scores 1 lower.
    const resized = raisedByOne(model.branches.lossless);
    const scorer = createResidualScorer({ ...model, branches: { ...withoutResized, resized } });
    const scored = scorer.score(image, resizedPng);
    expect(scored.signals.resizedBranch).toBe(1);
    expect(scored.score).toBeCloseTo(older.score(image, resizedPng).score - 1, 9);
  });

  it('scores a grey input with the grey model, or as before v18 when the file has none', () => {
    const { grey: _, ...withoutGrey } = model.branches;
    const older = createResidualScorer({ ...model, branches: withoutGrey });
    const jpegQ90 = { format: 'jpeg', jpegQuantStep: 11.5, ownPixels: true, jpegBlocks: null };
    for (const origin of [ownPng, resizedPng, jpegQ90]) {
      expect(older.score(image, { ...origin, grey: true }), origin.format).toEqual(
        older.score(image, origin),
      );
      expect(createResidualScorer(model).score(image, { ...origin, grey: true }).signals.greyBranch).toBe(1);
    }
    expect(older.score(image, { ...resizedPng, grey: true }).signals.resizedBranch).toBe(1);
    expect(older.score(image, { ...jpegQ90, grey: true }).signals.jpegBranch).toBe(1);
  });

  it('scores a graphic (mostly flat pairs) with the graphics model, or as before v20 when the file has none', () => {
    const { graphics: _, ...withoutGraphics } = model.branches;
    const older = createResidualScorer({ ...model, branches: withoutGraphics });
    const graphic = { ...ownPng, flatShare: 0.9 };
    expect(older.score(image, graphic).score).toBe(older.score(image, ownPng).score);
    expect(older.score(image, graphic).signals).toMatchObject({ flatShare: 0.9 });
    expect(older.score(image, graphic).signals.graphicsBranch).toBeUndefined();

    // A graphics model that is the lossless dense head with its point 1 higher: 1 lower than that head.
    const graphics = { dense: raisedByOne(model.branches.lossless).dense };
    const scored = createResidualScorer({ ...model, branches: { ...withoutGraphics, graphics } }).score(
      image,
      graphic,
    );
    expect(scored.signals.graphicsBranch).toBe(1);
    expect(scored.signals.lumaScore).toBeUndefined();
    expect(scored.score).toBeCloseTo((older.score(image, ownPng).signals.denseScore as number) - 1, 9);
  });

  it('flags a palette file on the graphics route only where the palette model agrees', () => {
    const paletteGraphic = { ...ownPng, flatShare: 0.9, palette: true };
    const lossless = model.branches.lossless;
    // Graphics and palette models that are the lossless dense head at points 1 and 2 higher.
    const graphics = { dense: raisedByOne(lossless).dense };
    const palette = { dense: raisedByOne(raisedByOne(lossless)).dense };
    const scorer = createResidualScorer({ ...model, branches: { ...model.branches, graphics, palette } });
    const dense = createResidualScorer(model).score(image, ownPng).signals.denseScore as number;
    const scored = scorer.score(image, paletteGraphic);
    expect(scored.signals).toMatchObject({ graphicsBranch: 1 });
    expect(scored.signals.paletteScore).toBeCloseTo(dense - 2, 9);
    expect(scored.score).toBeCloseTo(dense - 2, 9);
    // The smaller of the two: a palette model more alarmed than the graphics model does not raise it.
    const alarmed = { dense: { ...lossless.dense, offset: lossless.dense.offset - 5 } };
    const vetoed = createResidualScorer({
      ...model,
      branches: { ...model.branches, graphics, palette: alarmed },
    });
    expect(vetoed.score(image, paletteGraphic).score).toBeCloseTo(dense - 1, 9);
    // A graphic that is not palette-coded, or a file without a palette model: the graphics model alone.
    expect(scorer.score(image, { ...paletteGraphic, palette: false }).signals.paletteScore).toBeUndefined();
    expect(scorer.score(image, { ...paletteGraphic, palette: false }).score).toBeCloseTo(dense - 1, 9);
    const { palette: _, ...withoutPalette } = model.branches;
    const older = createResidualScorer({ ...model, branches: { ...withoutPalette, graphics } });
    expect(older.score(image, paletteGraphic).score).toBeCloseTo(dense - 1, 9);
  });

  it('scores a thumbnail on its own pixels with the thumbnail model, or upscaled as before v21 when the file has none', () => {
    const { thumbnail: _, ...withoutThumbnail } = model.branches;
    const older = createResidualScorer({ ...model, branches: withoutThumbnail });
    expect(older.score(image, thumbnailPng)).toEqual(older.score(image, resizedPng));

    // A thumbnail model that is the lossless one with its points 1 higher: 1 under the lossless
    // model's heads on the thumbnail's own pixels.
    const thumbnail = raisedByOne(model.branches.lossless);
    const scorer = createResidualScorer({ ...model, branches: { ...withoutThumbnail, thumbnail } });
    const scored = scorer.score(image, thumbnailPng);
    const lossless = older.score(small, ownPng);
    expect(scored.signals).toMatchObject({ thumbnail: 1, jpegBranch: 0 });
    expect(scored.signals.resizedBranch).toBeUndefined();
    expect(scored.signals.lumaScore).toBeUndefined();
    expect(scored.signals.denseScore).toBeCloseTo((lossless.signals.denseScore as number) - 1, 9);
    expect(scored.signals.stripesScore).toBeCloseTo((lossless.signals.stripesScore as number) - 1, 9);

    // A JPEG thumbnail meets the JPEG model on its own pixels and blocks.
    const jpeg = {
      format: 'jpeg',
      jpegQuantStep: 11.5,
      ownPixels: false,
      jpegBlocks: null,
      jpegChroma: '4:2:0' as const,
    };
    const jpegThumbnail = {
      ...jpeg,
      thumbnail: { image: small, jpegBlocks: { lumaTable: Array(64).fill(10) } },
    };
    expect(scorer.score(image, jpegThumbnail).signals).toMatchObject({ thumbnail: 1, jpegBranch: 1 });
    expect(scorer.score(image, jpegThumbnail).score).toBe(
      older.score(small, { ...jpeg, ownPixels: true, jpegBlocks: jpegThumbnail.thumbnail.jpegBlocks }).score,
    );
  });

  it("asks the luminance model about lossless colour inputs, which only ever flags: below its point the colour models' score stands", () => {
    // The lossless model's point raised far enough that this image scores below it.
    const { lossless } = model.branches;
    const { luma: _, ...withoutLuma } = {
      ...model.branches,
      lossless: {
        dense: { ...lossless.dense, offset: lossless.dense.offset + 50 },
        ...(lossless.stripes
          ? { stripes: { ...lossless.stripes, offset: lossless.stripes.offset + 50 } }
          : {}),
      },
    };
    const colourOnly = createResidualScorer({ ...model, branches: withoutLuma }).score(image, ownPng);
    expect(colourOnly.signals.lumaScore).toBeUndefined();
    const withLuma = (offsetBy: number) => {
      const luma = model.branches.luma ?? model.branches.grey;
      if (!luma) throw new Error('the bundled detector has neither a luminance nor a grey model');
      const dense = { ...luma.dense, offset: luma.dense.offset + offsetBy };
      return createResidualScorer({ ...model, branches: { ...withoutLuma, luma: { dense } } });
    };
    const below = withLuma(1000).score(image, ownPng);
    expect(below.signals.lumaScore).toBeLessThan(0);
    expect(below.score).toBe(colourOnly.score);
    const above = withLuma(-1000).score(image, ownPng);
    expect(above.signals.lumaScore).toBeGreaterThan(0);
    expect(above.score).toBe(above.signals.lumaScore);
    // Between the colour models' score and its own point, it does not move the score either.
    expect(colourOnly.score).toBeLessThan(0);
    const between = withLuma((below.signals.lumaScore as number) + 1000 - colourOnly.score / 2).score(
      image,
      ownPng,
    );
    expect(between.signals.lumaScore).toBeCloseTo(colourOnly.score / 2, 9);
    expect(between.score).toBe(colourOnly.score);
    // Other inputs are not asked.
    const jpegQ90 = { format: 'jpeg', jpegQuantStep: 11.5, ownPixels: true, jpegBlocks: null };
    for (const origin of [jpegQ90, resizedPng, { ...ownPng, grey: true }])
      expect(withLuma(-1000).score(image, origin).signals.lumaScore, JSON.stringify(origin)).toBeUndefined();
  });

  it('scores a JPEG with full-resolution chroma with its own model, or the JPEG one when the file has none', () => {
    const jpegQ90 = { format: 'jpeg', jpegQuantStep: 11.5, ownPixels: true, jpegBlocks: null };
    const fullChroma = { ...jpegQ90, jpegChroma: '4:4:4' as const };
    const { jpeg444: _, ...withoutFullChroma } = model.branches;
    const older = createResidualScorer({ ...model, branches: withoutFullChroma });
    expect(older.score(image, fullChroma)).toEqual(older.score(image, jpegQ90));
    expect(older.score(image, fullChroma).signals).toMatchObject({ jpegBranch: 1 });
    expect(older.score(image, fullChroma).signals.fullChromaBranch).toBeUndefined();

    // A 4:4:4 model that is the JPEG one with its operating point 1 higher scores 1 lower.
    const jpeg444 = raisedByOne(model.branches.jpeg);
    const scorer = createResidualScorer({ ...model, branches: { ...withoutFullChroma, jpeg444 } });
    const scored = scorer.score(image, fullChroma);
    expect(scored.signals).toMatchObject({ jpegBranch: 1, fullChromaBranch: 1 });
    expect(scored.score).toBeCloseTo(older.score(image, jpegQ90).score - 1, 9);
    expect(scorer.score(image, jpegQ90)).toEqual(older.score(image, jpegQ90));
  });

  it('scores a finely quantised JPEG with its own model, else the nearest model of its chroma the file has', () => {
    const jpegQ95 = { format: 'jpeg', jpegQuantStep: 5.77, ownPixels: true, jpegBlocks: null };
    const jpegQ98 = { ...jpegQ95, jpegQuantStep: 2.36 };
    const { jpegFine: _, jpeg444Fine: __, ...coarseOnly } = model.branches;
    const older = createResidualScorer({ ...model, branches: coarseOnly });
    // Without a model of its own, the step still reaches the JPEG model as a feature.
    expect(older.score(image, jpegQ98).signals).toMatchObject({ jpegBranch: 1, jpegQuantStep: 2.36 });
    expect(older.score(image, jpegQ98).signals.fineQuantBranch).toBeUndefined();
    const fullChromaQ98 = { ...jpegQ98, jpegChroma: '4:4:4' as const };
    expect(older.score(image, fullChromaQ98).signals).toMatchObject({ fullChromaBranch: 1 });

    const withFine = createResidualScorer({
      ...model,
      branches: {
        ...coarseOnly,
        jpegFine: raisedByOne(model.branches.jpeg),
        jpeg444Fine: raisedByOne(model.branches.jpeg),
      },
    });
    expect(withFine.score(image, jpegQ98).signals).toMatchObject({ jpegBranch: 1, fineQuantBranch: 1 });
    expect(withFine.score(image, jpegQ98).score).toBeCloseTo(older.score(image, jpegQ98).score - 1, 9);
    expect(withFine.score(image, fullChromaQ98).signals).toMatchObject({
      fullChromaBranch: 1,
      fineQuantBranch: 1,
    });
    expect(withFine.score(image, jpegQ95)).toEqual(older.score(image, jpegQ95));
  });

  it('scores a 4:2:2 JPEG with its own model, or the 4:2:0 one when the file has none', () => {
    const jpegQ90 = { format: 'jpeg', jpegQuantStep: 11.5, ownPixels: true, jpegBlocks: null };
    const halfChroma = { ...jpegQ90, jpegChroma: '4:2:2' as const };
    const { jpeg422: _, jpeg422Fine: __, ...without422 } = model.branches;
    const older = createResidualScorer({ ...model, branches: without422 });
    expect(older.score(image, halfChroma)).toEqual(older.score(image, jpegQ90));
    const scorer = createResidualScorer({
      ...model,
      branches: { ...without422, jpeg422: raisedByOne(model.branches.jpeg) },
    });
    expect(scorer.score(image, halfChroma).signals).toMatchObject({ jpegBranch: 1, halfChromaBranch: 1 });
    expect(scorer.score(image, halfChroma).score).toBeCloseTo(older.score(image, jpegQ90).score - 1, 9);
    // A finely quantised 4:2:2 file without a model of its own goes to the coarse 4:2:2 one.
    const fine = { ...halfChroma, jpegQuantStep: 1 };
    expect(scorer.score(image, fine).signals).toMatchObject({ halfChromaBranch: 1 });
    expect(scorer.score(image, fine).signals.fineQuantBranch).toBeUndefined();
  });

  // Lossy WebP and palette images: a model of their own on the lossless features where the file
  // has one, else the lossless model; the same format without that trait stays lossless.
  it.each([
    {
      branch: 'webp',
      own: { format: 'webp', lossyWebp: true },
      lossless: { format: 'webp', lossyWebp: false },
    },
    { branch: 'palette', own: { format: 'gif', palette: true }, lossless: { format: 'png', palette: false } },
  ] as const)(
    'scores $branch inputs with their own model, or the lossless one when the file has none',
    ({ branch, own, lossless }) => {
      const origin = { ...ownPng, ...own };
      const { [branch]: _, ...without } = model.branches;
      const older = createResidualScorer({ ...model, branches: without });
      expect(older.score(image, origin)).toEqual(older.score(image, ownPng));
      const scorer = createResidualScorer({
        ...model,
        branches: { ...without, [branch]: raisedByOne(model.branches.lossless) },
      });
      expect(scorer.score(image, origin).signals[`${branch}Branch`]).toBe(1);
      expect(scorer.score(image, origin).score).toBeCloseTo(older.score(image, ownPng).score - 1, 9);
      expect(scorer.score(image, { ...ownPng, ...lossless })).toEqual(older.score(image, ownPng));
    },
  );

  it('scores an AVIF by the larger of its own model and the lossless one (alone when the file has no AVIF model)', () => {
    const avif = { format: 'avif', jpegQuantStep: null, ownPixels: true, jpegBlocks: null };
    const { avif: _, ...withoutAvif } = model.branches;
    const older = createResidualScorer({ ...model, branches: withoutAvif });
    expect(older.score(image, avif)).toEqual(older.score(image, ownPng));
    const lossless = older.score(image, ownPng).score;
    const withAvif = (offsetBy: number) =>
      createResidualScorer({
        ...model,
        branches: {
          ...withoutAvif,
          avif: {
            dense: {
              ...model.branches.lossless.dense,
              offset: model.branches.lossless.dense.offset + offsetBy,
            },
          },
        },
      }).score(image, avif);
    // The AVIF model scoring lower: the lossless model's score stands.
    expect(withAvif(1).signals).toMatchObject({ avifBranch: 1, secondOpinionScore: lossless });
    expect(withAvif(1).score).toBeCloseTo(lossless, 9);
    // Scoring higher: its own.
    const denseAbove = withAvif(-5).signals.denseScore as number;
    expect(withAvif(-5).score).toBe(denseAbove);
    expect(denseAbove).toBeGreaterThan(lossless);
  });

  it('records which model scored an input so that scoredBranch reads it back', () => {
    const jpeg = (jpegQuantStep: number, jpegChroma: '4:2:0' | '4:2:2' | '4:4:4') => ({
      format: 'jpeg',
      jpegQuantStep,
      ownPixels: true,
      jpegBlocks: null,
      jpegChroma,
    });
    const origins = {
      lossless: ownPng,
      resized: resizedPng,
      jpeg: jpeg(11.5, '4:2:0'),
      jpeg444: jpeg(11.5, '4:4:4'),
      jpeg422: jpeg(11.5, '4:2:2'),
      jpegFine: jpeg(1, '4:2:0'),
      jpeg444Fine: jpeg(1, '4:4:4'),
      jpeg422Fine: jpeg(1, '4:2:2'),
      webp: { ...ownPng, format: 'webp', lossyWebp: true },
      avif: { ...ownPng, format: 'avif' },
      palette: { ...ownPng, format: 'gif', palette: true },
      thumbnail: thumbnailPng,
    };
    // Every JPEG branch given a model (the 4:2:0 one), so that none falls back.
    const scorer = createResidualScorer({
      ...model,
      branches: {
        ...model.branches,
        ...Object.fromEntries(
          Object.keys(origins)
            .filter((b) => b.startsWith('jpeg'))
            .map((b) => [b, model.branches.jpeg]),
        ),
        webp: model.branches.lossless,
        avif: model.branches.lossless,
        palette: model.branches.lossless,
        thumbnail: model.branches.lossless,
      },
    });
    for (const [branch, origin] of Object.entries(origins))
      expect(scoredBranch(scorer.score(image, origin).signals), branch).toBe(branch);
  });
});
