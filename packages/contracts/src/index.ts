export { CorpusManifestLine } from './corpus-manifest.ts';
export type { RgbImage } from './image.ts';
export * from './verdict.ts';
