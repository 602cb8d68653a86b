// Labelled corpora for the benches and fitting scripts: each manifest with the folder store its
// paths are relative to.
import type { AdvscreenConfig } from '@advscreen/config';
import type { CorpusManifestLine, RgbImage } from '@advscreen/contracts';
import { decodeImage, encodeJpeg } from '@advscreen/imaging';
import type { Model } from '@advscreen/inference';
import { type CorpusManifest, readCorpusManifest } from '@advscreen/pipeline';
import { LocalFolderStore } from '@advscreen/storage';

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
