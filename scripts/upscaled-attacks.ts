// node scripts/upscaled-attacks.ts downscale --clean DIR --out DIR224
// node scripts/upscaled-attacks.ts upscale --clean DIR --downscaled DIR224 --attacks ATTACKDIR --out DIR
// Attacks on files larger than the model's input: the attacker perturbs the copy the model sees
// (the decoder's bilinear downscale to 224 px) and carries the perturbation back to the large
// file, upsampled bilinearly. `downscale` writes those 224 px copies of a folder of clean crops
// (make-clean-crops.ts --size 448) with a manifest, for `advscreen attack`; `upscale` adds each
// attack's perturbation to its large clean file, writes it as PNG and as JPEG (quality 90), and
// records whether it still fools the model on the decoded, resized file (docs/detection.md).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '@advscreen/config';
import type { CorpusManifestLine } from '@advscreen/contracts';
import { decodeImage } from '@advscreen/imaging';
import { BUNDLED_MODEL_SPEC, createOnnxModel, loadModelSpec } from '@advscreen/inference';
import { readCorpusManifest, writeCorpusManifest } from '@advscreen/pipeline';
import sharp from 'sharp';
import { stillFools } from './corpus-files.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    clean: { type: 'string' },
    downscaled: { type: 'string' },
    attacks: { type: 'string' },
    out: { type: 'string' },
  },
});
const mode = positionals[0];
if (
  !values.clean ||
  !values.out ||
  (mode !== 'downscale' && mode !== 'upscale') ||
  (mode === 'upscale' && (!values.downscaled || !values.attacks))
) {
  console.error(
    'usage: node scripts/upscaled-attacks.ts downscale --clean DIR --out DIR224\n' +
      '       node scripts/upscaled-attacks.ts upscale --clean DIR --downscaled DIR224 --attacks ATTACKDIR --out DIR',
  );
  process.exit(2);
}
const config = loadConfig();
const size = config.decode.analysisSize;
/** Decoded RGB pixels (files are read first: imaging blocks sharp's file loaders once it has run). */
const pixels = async (file: string) =>
  sharp(await readFile(file))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });

const clean = await readCorpusManifest(path.join(values.clean, 'manifest.jsonl'));
const lossless = clean.lines.filter((line) => line.format === 'png');

if (mode === 'downscale') {
  for (const line of lossless) {
    await mkdir(path.join(values.out, path.dirname(line.path)), { recursive: true });
    // As decodeImage makes the analysis image.
    await sharp(await readFile(path.join(values.clean, line.path)))
      .removeAlpha()
      .resize(size, size, { fit: 'fill', kernel: 'linear' })
      .png()
      .toFile(path.join(values.out, line.path));
  }
  await writeCorpusManifest(path.join(values.out, 'manifest.jsonl'), lossless);
  console.log(`${lossless.length} ${size} px copies in ${values.out}`);
} else {
  const downscaled = values.downscaled as string;
  const attackFolder = values.attacks as string;
  const attacks = (await readCorpusManifest(path.join(attackFolder, 'attacks.jsonl'))).lines;
  const model = await createOnnxModel(loadModelSpec(BUNDLED_MODEL_SPEC), 'cpu');
  const written: CorpusManifestLine[] = [];
  await mkdir(path.join(values.out, 'adv'), { recursive: true });
  for (const attack of attacks.filter((line) => line.format === 'png')) {
    // advscreen attack names a file <clean name>__<attack>_<eps>.png (the clean name may hold "__" too).
    const file = path.basename(attack.path);
    const name = `${path.dirname(attack.source_photo)}/${file.slice(0, file.lastIndexOf('__'))}.png`;
    const [small, attacked, large] = await Promise.all([
      pixels(path.join(downscaled, name)),
      pixels(path.join(attackFolder, attack.path)),
      pixels(path.join(values.clean, name)),
    ]);
    const adversarial = upsampledPerturbation(
      small.data,
      attacked.data,
      small.info.width,
      large.data,
      large.info.width,
    );
    const raw = { raw: { width: large.info.width, height: large.info.width, channels: 3 as const } };
    const base = attack.path.replace(/\.png$/, '');
    for (const [format, file, bytes] of [
      ['png', `${base}.png`, await sharp(adversarial, raw).png().toBuffer()],
      ['jpeg', `${base}_q90.jpg`, await sharp(adversarial, raw).jpeg({ quality: 90 }).toBuffer()],
    ] as const) {
      const success = await stillFools(
        model,
        (await decodeImage(bytes, config.decode)).analysis,
        attack.label_clean,
      );
      await writeFile(path.join(values.out, file), bytes);
      written.push({
        ...attack,
        path: file,
        format,
        success,
        generator: `${attack.generator}; its ${size} px perturbation upsampled to ${large.info.width} px`,
      });
    }
  }
  await model.close();
  await writeCorpusManifest(path.join(values.out, 'attacks.jsonl'), written);
  console.log(
    `${written.length} files, ${written.filter((line) => line.success).length} still fooling the model, in ${values.out}`,
  );
}

/** The large clean image plus the small attack's perturbation, bilinearly upsampled (pixel centres aligned), rounded to 8 bits. */
function upsampledPerturbation(
  small: Buffer,
  attacked: Buffer,
  smallSide: number,
  large: Buffer,
  largeSide: number,
): Buffer {
  const delta = Float32Array.from(small, (value, i) => (attacked[i] as number) - value);
  const out = Buffer.alloc(large.length);
  const scale = smallSide / largeSide;
  const at = (coordinate: number) => Math.min(Math.max((coordinate + 0.5) * scale - 0.5, 0), smallSide - 1);
  for (let y = 0; y < largeSide; y++) {
    const sy = at(y);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, smallSide - 1);
    const fy = sy - y0;
    for (let x = 0; x < largeSide; x++) {
      const sx = at(x);
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, smallSide - 1);
      const fx = sx - x0;
      for (let c = 0; c < 3; c++) {
        const d = (row: number, column: number) => delta[3 * (row * smallSide + column) + c] as number;
        const value =
          (1 - fy) * ((1 - fx) * d(y0, x0) + fx * d(y0, x1)) + fy * ((1 - fx) * d(y1, x0) + fx * d(y1, x1));
        const i = 3 * (y * largeSide + x) + c;
        out[i] = Math.min(255, Math.max(0, Math.round((large[i] as number) + value)));
      }
    }
  }
  return out;
}
