import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { flatPixels, seededRandom } from '@advscreen/attacks';
import { loadConfig } from '@advscreen/config';
import { CorpusManifestLine } from '@advscreen/contracts';
import {
  createResidualScorer,
  extractJpegDctFeatures,
  GRAPHICS_FLAT_SHARE,
  loadDetectorModel,
  luminance,
} from '@advscreen/detection';
import { decodeImage, flatShare, tagJpegOrientation } from '@advscreen/imaging';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/cli.ts';

const PHOTOS = path.join(REPO_ROOT, 'test/fixtures/photos');
const GRAPHICS = path.join(REPO_ROOT, 'test/fixtures/graphics');
const THUMBNAILS = path.join(REPO_ROOT, 'test/fixtures/thumbnails');

describe('the bundled detector on fixture photos', () => {
  it('loads, and scores clean fixtures below and strong attacks above its threshold', async () => {
    const model = loadDetectorModel();
    const scorer = createResidualScorer(model);
    const lines = (await readFile(path.join(PHOTOS, 'manifest.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => CorpusManifestLine.parse(JSON.parse(line)));
    const limits = loadConfig({}).decode;
    for (const line of lines) {
      const decoded = await decodeImage(await readFile(path.join(PHOTOS, line.path)), limits);
      const { score, signals } = scorer.score(decoded.analysis, decoded);
      expect(signals.jpegBranch, line.path).toBe(decoded.format === 'jpeg' ? 1 : 0);
      // These fixtures were part of the training corpus: this checks the shipped file and the
      // scoring path, not detection quality (docs/detection.md has held-out figures).
      if (line.kind === 'clean') expect(score, line.path).toBeLessThanOrEqual(scorer.threshold);
      if (line.attack === 'PGD' && line.format === 'png')
        expect(score, line.path).toBeGreaterThan(scorer.threshold);
      // Square leaves the residuals alone: its stripes head catches it.
      if (line.attack === 'Square') {
        expect(signals.stripesScore, line.path).toBeGreaterThan(scorer.threshold);
        expect(signals.denseScore, line.path).toBeLessThanOrEqual(scorer.threshold);
      }
    }
  });

  it('scores a file turned by an orientation tag as shown, with its own model', async () => {
    // An attack's pixels stored turned a quarter and tagged to be shown upright, as viewers and
    // the model show them: stop 34 found that such PNGs went to the resized model, which caught
    // FGSM 16/255 on 33% of the development photos instead of 100%.
    const scorer = createResidualScorer(loadDetectorModel());
    const limits = loadConfig({}).decode;
    const scored = async (bytes: Buffer) => {
      const decoded = await decodeImage(bytes, limits);
      return { decoded, ...scorer.score(decoded.analysis, decoded) };
    };
    for (const name of ['dog_0__FGSM_16-255.png', 'dog_0__Square_16-255.png']) {
      const attack = await readFile(path.join(PHOTOS, name));
      const plain = await scored(attack);
      for (const [orientation, turn] of [
        [6, 270],
        [3, 180],
        [8, 90],
      ]) {
        const tagged = await scored(
          await sharp(attack).rotate(turn).withMetadata({ orientation }).png().toBuffer(),
        );
        expect(tagged.decoded.orientation).toBe(orientation);
        expect(tagged.decoded.analysis.data).toEqual(plain.decoded.analysis.data);
        expect(tagged.signals, `${name} ${orientation}`).toEqual(plain.signals);
        expect(tagged.score, `${name} ${orientation}`).toBeGreaterThan(scorer.threshold);
      }
    }
    // A JPEG tagged without re-encoding it: its blocks are the encoder's, turned, and its table
    // is turned with them, so its DCT features are the untagged file's.
    const dct = (d: Awaited<ReturnType<typeof decodeImage>>) =>
      Array.from(extractJpegDctFeatures(luminance(d.analysis), d.jpegBlocks?.lumaTable ?? []));
    for (const name of ['dog_0.jpg', 'person_2__FGSM_8-255_q90.jpg']) {
      const jpeg = await readFile(path.join(PHOTOS, name));
      const plain = await scored(jpeg);
      const expected = dct(plain.decoded);
      for (const orientation of [3, 6, 7]) {
        const tagged = await scored(await tagJpegOrientation(jpeg, orientation));
        expect(tagged.decoded.orientation, name).toBe(orientation);
        expect(tagged.signals.jpegBranch, name).toBe(1);
        dct(tagged.decoded).forEach((value, i) => {
          expect(value, `${name} ${orientation} feature ${i}`).toBeCloseTo(expected[i] as number, 2);
        });
        expect(tagged.score > scorer.threshold, name).toBe(plain.score > scorer.threshold);
      }
    }
  });

  it('asks the lossless models at their own point about a file resized for analysis', async () => {
    // A 224 px attack upscaled whole keeps its perturbation sharp, which the resized model reads
    // as a clean downscaled photo (v16 scored these below its threshold); resizedLossless catches
    // them (docs/decisions/0013-resized-second-opinion.md).
    const scorer = createResidualScorer(loadDetectorModel());
    const limits = loadConfig({}).decode;
    for (const [name, verdict] of [
      ['dog_0__Square_16-255.png', true],
      ['kite_1__PGD_8-255.png', true],
      ['dog_0.png', false],
      ['kite_1.png', false],
    ] as const) {
      for (const size of [240, 320]) {
        const upscaled = await sharp(path.join(PHOTOS, name)).resize(size, size).png().toBuffer();
        const decoded = await decodeImage(upscaled, limits);
        const { score, signals } = scorer.score(decoded.analysis, decoded);
        expect(signals.resizedBranch, name).toBe(1);
        expect(signals.secondOpinionScore, name).toBeDefined();
        expect(score > scorer.threshold, `${name} at ${size} px`).toBe(verdict);
      }
    }
  });

  it('scores a grey image with the grey model, which sees attacks the colour models read as clean', async () => {
    // The colour models read no chroma noise as clean: v17 gave every grey file the same score,
    // far below its threshold (docs/decisions/0014-grey-images.md).
    const scorer = createResidualScorer(loadDetectorModel());
    const limits = loadConfig({}).decode;
    for (const [name, verdict] of [
      ['dog_0__FGSM_16-255.png', true],
      ['kite_1__FGSM_16-255.png', true],
      ['person_2__FGSM_16-255.png', true],
      ['dog_0.png', false],
      ['person_2.png', false],
    ] as const) {
      const grey = sharp(path.join(PHOTOS, name)).grayscale();
      for (const bytes of [
        await grey.clone().png().toBuffer(),
        await grey.clone().jpeg({ quality: 90 }).toBuffer(),
      ]) {
        const decoded = await decodeImage(bytes, limits);
        const { score, signals } = scorer.score(decoded.analysis, decoded);
        expect(signals.greyBranch, name).toBe(1);
        expect(score > scorer.threshold, `${name} as ${decoded.format}`).toBe(verdict);
      }
      // Resized for analysis too: the resized model gives every grey file one score as well.
      const upscaled = await decodeImage(await grey.clone().resize(320, 320).png().toBuffer(), limits);
      const { signals } = scorer.score(upscaled.analysis, upscaled);
      expect([upscaled.ownPixels, signals.greyBranch, signals.resizedBranch], name).toEqual([
        false,
        1,
        undefined,
      ]);
    }
  });

  it('asks the luminance model about colour PNGs, which sees a perturbation moved alike on every channel', async () => {
    // Such a perturbation leaves chroma clean, and the colour models lean on chroma
    // (docs/decisions/0015-luminance-model.md). Here each pixel's channels are all moved by 16/255
    // the way the fixture's FGSM moved most of them (the sign of their summed change), as
    // `advscreen attack fgsm --grey-axis` moves them by the summed gradient's sign.
    const model = loadDetectorModel();
    const scorer = createResidualScorer(model);
    const { luma: _, ...colourModels } = model.branches;
    const colourOnly = createResidualScorer({ ...model, branches: colourModels });
    const limits = loadConfig({}).decode;
    for (const name of ['dog_0', 'kite_1', 'person_2']) {
      const clean = await decodeImage(await readFile(path.join(PHOTOS, `${name}.png`)), limits);
      const fgsm = await decodeImage(await readFile(path.join(PHOTOS, `${name}__FGSM_16-255.png`)), limits);
      const moved = Uint8Array.from(clean.analysis.data);
      for (let p = 0; p < moved.length; p += 3) {
        let change = 0;
        for (let c = 0; c < 3; c++)
          change += (fgsm.analysis.data[p + c] as number) - (clean.analysis.data[p + c] as number);
        for (let c = 0; c < 3; c++)
          moved[p + c] = Math.max(0, Math.min(255, (moved[p + c] as number) + 16 * Math.sign(change)));
      }
      const greyAxis = { ...clean.analysis, data: moved };
      expect(colourOnly.score(greyAxis, clean).score, `${name}: the colour models alone`).toBeLessThanOrEqual(
        scorer.threshold,
      );
      const { score, signals } = scorer.score(greyAxis, clean);
      expect(signals.lumaScore, name).toBeGreaterThan(0);
      expect(score, name).toBeGreaterThan(scorer.threshold);
      // The clean photo: the luminance model stays below its point, and the score is the colour models'.
      const cleanScore = scorer.score(clean.analysis, clean);
      expect(cleanScore.signals.lumaScore, name).toBeLessThanOrEqual(0);
      expect(cleanScore.score, name).toBe(colourOnly.score(clean.analysis, clean).score);
    }
  });

  it('refuses a calibration made for another detector', () => {
    const model = loadDetectorModel();
    const calibration = {
      format: 'advscreen-calibration' as const,
      detector: 'something-else@9',
      threshold: 1,
      targetFpr: 0.01,
      expectedFpr: { estimate: 0.01, low: 0, high: 0.02, heldOut: 100 },
      sample: { location: 'x', images: 300, fitted: 200, rejected: 0 },
      createdAt: '2026-11-24T00:00:00Z',
    };
    expect(() => createResidualScorer(model, calibration)).toThrow(/calibration is for something-else@9/);
  });
});

describe('the bundled detector on graphics', () => {
  it("passes a clean chart with subpixel-rendered text that the photographs' lossless model flags", async () => {
    const model = loadDetectorModel();
    const scorer = createResidualScorer(model);
    const { graphics: _, ...photoModels } = model.branches;
    const before = createResidualScorer({ ...model, branches: photoModels });
    // Drawn by scripts/graphics-corpus.ts (test/fixtures/README.md): not one the graphics model was trained on.
    const chart = await decodeImage(await readFile(path.join(GRAPHICS, 'chart.png')), loadConfig({}).decode);
    expect(chart.flatShare).toBeGreaterThanOrEqual(GRAPHICS_FLAT_SHARE);
    expect(before.score(chart.analysis, chart).score, 'the lossless model').toBeGreaterThan(scorer.threshold);
    const { score, signals } = scorer.score(chart.analysis, chart);
    expect(signals.graphicsBranch).toBe(1);
    // Its margins are uniform bars, but the graphics model scores the whole image, as it learned drawings.
    expect(chart.picture).not.toBeNull();
    expect(signals.pictureShare).toBeUndefined();
    expect(score).toBeLessThanOrEqual(scorer.threshold);
  });

  it('flags a window whose edges and gradients are perturbed while its flat areas are kept', async () => {
    const scorer = createResidualScorer(loadDetectorModel());
    const clean = await decodeImage(await readFile(path.join(GRAPHICS, 'window.png')), loadConfig({}).decode);
    expect(scorer.score(clean.analysis, clean).score).toBeLessThanOrEqual(scorer.threshold);
    // Every pixel equal to no neighbour moved by 8/255 up or down (a seeded draw), as
    // `advscreen attack fgsm --keep-flat --eps 8/255` moves them by the gradient's sign: the file
    // stays a graphic, so the graphics model has to see it.
    const random = seededRandom(7);
    const frozen = flatPixels(clean.analysis);
    const perturbed = Uint8Array.from(clean.analysis.data, (v, i) =>
      frozen[Math.floor(i / 3)] ? v : Math.max(0, Math.min(255, v + (random() < 0.5 ? -8 : 8))),
    );
    const attacked = { ...clean.analysis, data: perturbed };
    const origin = { ...clean, flatShare: flatShare(attacked) };
    // Moved pixels can come to equal a neighbour, never stop: the flat areas all remain.
    expect(origin.flatShare).toBeGreaterThanOrEqual(clean.flatShare);
    const { score, signals } = scorer.score(attacked, origin);
    expect(signals.graphicsBranch).toBe(1);
    expect(score).toBeGreaterThan(scorer.threshold);
  });
});

describe('the bundled detector on palette-coded photos', () => {
  it('passes a 16-colour GIF of a clean photo, which takes the graphics route, unless the palette model flags it too', async () => {
    const scorer = createResidualScorer(loadDetectorModel());
    for (const name of ['dog_0', 'kite_1']) {
      for (const dither of [0, 1]) {
        const gif = await sharp(path.join(PHOTOS, `${name}.png`))
          .gif({ colours: 16, dither })
          .toBuffer();
        const decoded = await decodeImage(gif, loadConfig({}).decode);
        // Few colours leave most neighbouring pairs identical: the route of graphics.
        expect(decoded.palette).toBe(true);
        expect(decoded.flatShare).toBeGreaterThanOrEqual(GRAPHICS_FLAT_SHARE);
        const { score, signals } = scorer.score(decoded.analysis, decoded);
        expect(signals.graphicsBranch, `${name} dither ${dither}`).toBe(1);
        // The graphics model alone scored these 16-26 (flagged; stop 42): the palette model's smaller score stands.
        expect(signals.denseScore, `${name} dither ${dither}`).toBeGreaterThan(scorer.threshold);
        expect(signals.paletteScore).toBeLessThanOrEqual(scorer.threshold);
        expect(score).toBe(signals.paletteScore);
      }
    }
  });
});

describe('the bundled detector on letterboxed photos', () => {
  it('scores the picture inside uniform bars: PGD the padded whole hides is flagged, its clean picture is not', async () => {
    const scorer = createResidualScorer(loadDetectorModel());
    const limits = loadConfig({}).decode;
    // The middle half of each fixture between black bars, as a padded thumbnail or video frame
    // comes: the perturbation on the picture untouched, the bars exactly uniform.
    const letterboxed = async (file: string) =>
      decodeImage(
        await sharp(path.join(PHOTOS, file))
          .extract({ left: 0, top: 56, width: 224, height: 112 })
          .extend({ top: 56, bottom: 56, left: 0, right: 0, background: '#000000' })
          .png()
          .toBuffer(),
        limits,
      );
    for (const photo of ['dog_0', 'kite_1', 'person_2']) {
      const clean = await letterboxed(`${photo}.png`);
      const attacked = await letterboxed(`${photo}__PGD_8-255.png`);
      expect(attacked.picture, photo).toEqual({ left: 0, top: 56, width: 224, height: 112 });
      const attackedScore = scorer.score(attacked.analysis, attacked);
      expect(attackedScore.score, photo).toBeGreaterThan(scorer.threshold);
      expect(attackedScore.signals.pictureShare).toBe(0.5);
      expect(
        scorer.score(attacked.analysis, { ...attacked, picture: null }).score,
        `${photo} whole`,
      ).toBeLessThan(scorer.threshold);
      expect(scorer.score(clean.analysis, clean).score, `${photo} clean`).toBeLessThan(scorer.threshold);
    }
  });
});

describe('the bundled detector on thumbnails', () => {
  it("flags PGD made on a 112 px file's own pixels, which the upscale hid from the detector before v21", async () => {
    const model = loadDetectorModel();
    const scorer = createResidualScorer(model);
    const { thumbnail: _, ...upscaledOnly } = model.branches;
    const before = createResidualScorer({ ...model, branches: upscaledOnly });
    const limits = loadConfig({}).decode;
    const decoded = async (file: string) => decodeImage(await readFile(path.join(THUMBNAILS, file)), limits);
    for (const photo of ['dog_0', 'kite_1', 'person_2']) {
      const clean = await decoded(`${photo}_112.png`);
      const attacked = await decoded(`${photo}_112__PGD_8-255.png`);
      expect(attacked.thumbnail?.image.width, photo).toBe(112);
      const scored = scorer.score(attacked.analysis, attacked);
      expect(scored.signals.thumbnail, photo).toBe(1);
      expect(scored.score, photo).toBeGreaterThan(scorer.threshold);
      expect(before.score(attacked.analysis, attacked).score, `${photo} upscaled`).toBeLessThan(
        scorer.threshold,
      );
      expect(scorer.score(clean.analysis, clean).score, `${photo} clean`).toBeLessThan(scorer.threshold);
    }
  });
});
