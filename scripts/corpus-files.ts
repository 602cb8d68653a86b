// Labelled corpora for the benches and fitting scripts: each manifest with the folder store its
// paths are relative to.
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
