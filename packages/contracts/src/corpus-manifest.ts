import { z } from 'zod';

/**
 * One line of a labelled corpus manifest (the format of the development corpus): what
 * `train-detector` and `bench:detect` read. Unknown fields are kept but ignored.
 */
export const CorpusManifestLine = z
  .looseObject({
    path: z.string().min(1),
    kind: z.enum(['clean', 'adv']),
    attack: z.string().nullable().default(null),
    /** "8/255", "c=1", ...; a bare number is kept as its decimal text. */
    eps: z
      .union([z.string(), z.number()])
      .nullable()
      .default(null)
      .transform((eps) => (typeof eps === 'number' ? String(eps) : eps)),
    source_photo: z.string().min(1),
    success: z.boolean().nullable().default(null),
    /** The victim model's class index on the clean crop, when the manifest records it. */
    label_clean: z.number().int().optional(),
    /** png | jpeg | ...: from the file's extension when the line does not say. */
    format: z.string().optional(),
  })
  .transform((line) => Object.assign(line, { format: line.format ?? formatOfPath(line.path) }));

function formatOfPath(file: string): string {
  const extension = /\.([a-z0-9]+)$/i.exec(file)?.[1]?.toLowerCase() ?? 'unknown';
  return extension === 'jpg' ? 'jpeg' : extension === 'tif' ? 'tiff' : extension;
}
export type CorpusManifestLine = z.infer<typeof CorpusManifestLine>;
