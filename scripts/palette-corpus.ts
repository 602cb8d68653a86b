// node scripts/palette-corpus.ts --manifest M.jsonl [--manifest ...] --out DIR [--encoding gif,gif-undithered,png8]
// Writes each lossless file of labelled corpora as palette images (GIF dithered and undithered,
// 8-bit palette PNG: imaging's encodePalette), with a manifest in the corpus format: each
// attack's success is asked of the victim model (the bundled spec) on the decoded file. For the
// palette branch's operating point (scripts/palette-operating-point.ts) and for bench:detect and
// bench:cascade on palette inputs (docs/detection.md, "Palette images").
import { parseArgs } from 'node:util';
import { encodePalette, isPaletteEncoding, PALETTE_ENCODINGS } from '@advscreen/imaging';
import { writeRewrittenCorpus, writtenAs } from './corpus-files.ts';

const { values } = parseArgs({
  options: {
    manifest: { type: 'string', multiple: true },
    out: { type: 'string' },
    encoding: { type: 'string', default: PALETTE_ENCODINGS.join(',') },
  },
});
const encodings = (values.encoding ?? '').split(',');
if (!values.manifest?.length || !values.out || !encodings.every(isPaletteEncoding)) {
  console.error(
    `usage: node scripts/palette-corpus.ts --manifest M.jsonl [--manifest ...] --out DIR [--encoding ${PALETTE_ENCODINGS.join(',')}]`,
  );
  process.exit(2);
}
await writeRewrittenCorpus(values.manifest, values.out, (line) =>
  line.format === 'png'
    ? encodings
        .filter(isPaletteEncoding)
        .map((encoding) =>
          writtenAs(encoding, `_${encoding}.${encoding === 'png8' ? 'png' : 'gif'}`, (bytes) =>
            encodePalette(bytes, encoding),
          ),
        )
    : [],
);
