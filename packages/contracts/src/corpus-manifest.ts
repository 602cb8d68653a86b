import { z } from 'zod';

/**
 * One line of a labelled corpus manifest (the format of the development corpus): what
 * `train-detector` and `bench:detect` read. Unknown fields are kept but ignored.
 */
export const CorpusManifestLine = z.looseObject({
  path: z.string().min(1),
  kind: z.enum(['clean', 'adv']),
  attack: z.string().nullable(),
  eps: z.string().nullable(),
  source_photo: z.string().min(1),
  success: z.boolean().nullable(),
  format: z.string(),
});
export type CorpusManifestLine = z.infer<typeof CorpusManifestLine>;
