// Labelled corpora for the benches and fitting scripts: each manifest with the folder store its
// paths are relative to.
import type { RgbImage } from '@advscreen/contracts';
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
