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
  /** The victim model's class index on the clean crop, when the manifest records it. */
  label_clean: z.number().int().optional(),
  format: z.string(),
});
export type CorpusManifestLine = z.infer<typeof CorpusManifestLine>;
