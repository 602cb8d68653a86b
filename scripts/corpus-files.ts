// Labelled corpora for the benches and fitting scripts: each manifest with the folder store its
// paths are relative to.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type AdvscreenConfig, loadConfig } from '@advscreen/config';
import type { CorpusManifestLine, RgbImage } from '@advscreen/contracts';
import { roundedLuma } from '@advscreen/detection';
import { decodeImage, encodeJpeg } from '@advscreen/imaging';
import { BUNDLED_MODEL_SPEC, createOnnxModel, loadModelSpec, type Model } from '@advscreen/inference';
import { type CorpusManifest, readCorpusManifest, writeCorpusManifest } from '@advscreen/pipeline';
import { LocalFolderStore } from '@advscreen/storage';
import sharp from 'sharp';

/** sharp's resize kernels, for the scripts that resize corpus files (`--kernel`, `--kernels`). */
export const RESIZE_KERNELS = ['nearest', 'linear', 'cubic', 'mitchell', 'lanczos2', 'lanczos3'] as const;

/** The manifests in order; those in `trainOnly` are fitted on and left out of the tables. */
export async function loadManifests(paths: readonly string[], trainOnly: readonly string[] = []) {
  return Promise.all(
    [...paths, ...trainOnly].map(async (file) => {
      const manifest: CorpusManifest = await readCorpusManifest(file);
      return { manifest, store: new LocalFolderStore(manifest.root), trainOnly: trainOnly.includes(file) };
    }),
  );
}

export type LoadedManifests = Awaited<ReturnType<typeof loadManifests>>;

/** Whether an attack still fools the victim on this image (re-encoded, resized, ...): its top class is not the clean one. */
export async function stillFools(
  victim: Model,
  image: RgbImage,
  labelClean: number | undefined,
): Promise<boolean> {
  const [output] = await victim.run([image]);
  return output?.kind === 'classification' && output.index !== labelClean;
}

/**
 * A labelled file's `success` once written as `bytes` (re-encoded, palette, ...): an attack's is
 * asked of the victim on the decoded bytes, as the writing can undo it; other lines keep theirs.
 */
export async function successOnceWritten(
  victim: Model,
  line: CorpusManifestLine,
  bytes: Buffer,
  limits: AdvscreenConfig['decode'],
): Promise<boolean | null> {
  if (line.kind !== 'adv' || line.label_clean === undefined) return line.success;
  return stillFools(victim, (await decodeImage(bytes, limits)).analysis, line.label_clean);
}

/** A crop's name: `adv/dog_0__FGSM_8-255.png` and `clean/dog_0.png` are both crop `dog_0` of their photo. */
const cropOf = (line: CorpusManifestLine) =>
  `${line.source_photo}\u0000${(line.path.split('/').pop() ?? '').split('__')[0]?.replace(/\.[a-z0-9]+$/i, '')}`;

/**
 * The successful attacks written as JPEG whose clean crop, written at the same quality (libvips'
 * libjpeg-turbo, 4:2:0, as `advscreen attack` and the corpus's PIL write them), already gets a
 * class other than the clean crop's: their class change is the JPEG's, which a manifest's
 * `success` (checked against the clean PNG's class) does not tell apart. `checked`: the JPEG
 * attacks whose clean PNG crop was among the manifests.
 */
export async function attacksFlippedByJpegAlone(
  manifests: LoadedManifests,
  victim: Model,
  config: AdvscreenConfig,
): Promise<{ flipped: Set<CorpusManifestLine>; checked: Set<CorpusManifestLine> }> {
  const cleanPngs = new Map<string, { store: LocalFolderStore; path: string }>();
  for (const { manifest, store } of manifests)
    for (const line of manifest.lines)
      if (line.kind === 'clean' && line.format === 'png')
        cleanPngs.set(cropOf(line), { store, path: line.path });
  const flipped = new Set<CorpusManifestLine>();
  const verdicts = new Map<string, boolean>();
  const checked = new Set<CorpusManifestLine>();
  for (const { manifest } of manifests) {
    for (const line of manifest.lines) {
      if (line.kind !== 'adv' || line.success !== true || line.format !== 'jpeg') continue;
      const quality = (line as { jpeg_quality?: unknown }).jpeg_quality;
      const crop = cropOf(line);
      const clean = cleanPngs.get(crop);
      if (typeof quality !== 'number' || !clean) continue;
      checked.add(line);
      const key = `${crop}\u0000${quality}`;
      let fools = verdicts.get(key);
      if (fools === undefined) {
        const png = await clean.store.read(clean.path, config.decode.maxBytes);
        const jpeg = await encodeJpeg(png, { quality, chroma: '4:2:0' });
        fools = await stillFools(victim, (await decodeImage(jpeg, config.decode)).analysis, line.label_clean);
        verdicts.set(key, fools);
      }
      if (fools) flipped.add(line);
    }
  }
  return { flipped, checked };
}

/** A file's pixels as 8-bit RGB (alpha dropped), as sharp decodes them. */
export async function rgbPixels(bytes: Buffer): Promise<RgbImage> {
  const { data, info } = await sharp(bytes)
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

/** A grey PNG of the image's BT.601 luma, rounded as the detector's luminance model reads it (`roundedLuma`). */
export function lumaPng(image: RgbImage): Promise<Buffer> {
  return sharp(Buffer.from(roundedLuma(image)), {
    raw: { width: image.width, height: image.height, channels: 1 },
  })
    .toColourspace('b-w')
    .png()
    .toBuffer();
}

/** One way of writing a corpus file anew: its name's new ending, its format in the manifest, its bytes. */
export interface Rewrite {
  suffix: string;
  /** The manifest's `format`, so that the benches' tables tell the ways apart. */
  format: string;
  /** Appended to the line's `generator`. */
  says: string;
  write: (bytes: Buffer) => Promise<Buffer>;
}

/** A rewrite whose manifest `format` names it and whose generator says `written as <format>`. */
export const writtenAs = (format: string, suffix: string, write: Rewrite['write']): Rewrite => ({
  suffix,
  format,
  says: `written as ${format}`,
  write,
});

/**
 * Writes each file of labelled corpora the ways `rewritesOf` gives for its line (none: skipped)
 * under `out`, with a manifest in the corpus format: each attack's success asked of the victim
 * model (the bundled spec) on the written file, since the writing can undo it. Prints a summary.
 */
export async function writeRewrittenCorpus(
  manifestPaths: readonly string[],
  out: string,
  rewritesOf: (line: CorpusManifestLine) => readonly Rewrite[],
): Promise<void> {
  const config = loadConfig();
  const victim = await createOnnxModel(loadModelSpec(BUNDLED_MODEL_SPEC), 'cpu');
  const written: CorpusManifestLine[] = [];
  for (const { manifest, store } of await loadManifests(manifestPaths)) {
    for (const line of manifest.lines) {
      const rewrites = rewritesOf(line);
      if (rewrites.length === 0) continue;
      const source = await store.read(line.path, config.decode.maxBytes);
      for (const { suffix, format, says, write } of rewrites) {
        const bytes = await write(source);
        const file = line.path.replace(/\.[a-z0-9]+$/i, suffix);
        await mkdir(path.join(out, path.dirname(file)), { recursive: true });
        await writeFile(path.join(out, file), bytes);
        written.push({
          ...line,
          path: file,
          format,
          success: await successOnceWritten(victim, line, bytes, config.decode),
          generator: `${line.generator ?? 'corpus file'}; ${says}`,
        });
      }
    }
  }
  await victim.close();
  if (written.length === 0) {
    throw new Error(
      `nothing to write: no line of ${manifestPaths.join(', ')} was selected to be rewritten (the scripts select by the manifest's format, most take "png" only)`,
    );
  }
  await writeCorpusManifest(path.join(out, 'manifest.jsonl'), written);
  const attacks = written.filter((line) => line.kind === 'adv');
  console.log(
    `${written.length} files in ${out}: ${written.length - attacks.length} clean, ${attacks.length} attacks, ${attacks.filter((line) => line.success).length} still fooling the model`,
  );
}
