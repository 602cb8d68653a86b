export type { RgbImage } from './image.ts';
export * from './verdict.ts';
