// node scripts/graphics-corpus.ts --out DIR [--count 400] [--seed 1] [--sizes 224,480,800] [--render-scales 1]
// Clean images that are not photographs, drawn here: application windows with text and buttons,
// box-and-arrow diagrams, bar and line charts, flat icons with gradients and shadows, each in a
// light or dark theme, some with subpixel-rendered text (the colour fringes of a desktop
// screenshot). Rendered from SVG by sharp (librsvg, the system's DejaVu fonts), written as PNG at
// each of --sizes (224: the analysis size; larger ones are resized for analysis). For the
// detector's graphics point (docs/decisions/0016-graphics.md): photographs' models read sharp
// text edges as perturbation. --render-scales: each image drawn at one of these multiples of its
// size and resized down to it (sharp's default Lanczos-3), as graphics made smaller by an image
// tool or an upstream service are: softened edges with ringing beside them. Every draw comes from
// --seed, so a run is reproducible.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { seededRandom } from '@advscreen/attacks';
import type { CorpusManifestLine } from '@advscreen/contracts';
import { writeCorpusManifest } from '@advscreen/pipeline';
import sharp from 'sharp';

// The project's packages load imaging, which blocks every sharp loader but the screened formats'
// process-wide (decode-image.ts); this script draws its own SVG, so it lets that one loader back
// in.
sharp.unblock({ operation: ['VipsForeignLoadSvgBuffer'] });

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    count: { type: 'string', default: '400' },
    seed: { type: 'string', default: '1' },
    sizes: { type: 'string', default: '224,480,800' },
    'render-scales': { type: 'string', default: '1' },
  },
});
const count = Number(values.count);
const sizes = (values.sizes ?? '').split(',').map(Number);
const renderScales = (values['render-scales'] ?? '').split(',').map(Number);
if (
  !values.out ||
  !(count > 0) ||
  sizes.some((size) => !(size >= 64)) ||
  renderScales.some((s) => !(s >= 1))
) {
  console.error(
    'usage: node scripts/graphics-corpus.ts --out DIR [--count 400] [--seed 1] [--sizes 224,480,800] [--render-scales 1]',
  );
  process.exit(2);
}

type Random = () => number;
const WORDS =
  'the of and file edit view help settings open save cancel apply build status error warning queue worker image model score total report name size date value chart revenue users region north south east west system memory network disk request latency'.split(
    ' ',
  );
const FONTS = ['DejaVu Sans', 'DejaVu Serif', 'DejaVu Sans Mono', 'DejaVu Sans Condensed'];

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const between = (random: Random, low: number, high: number) => low + random() * (high - low);
const int = (random: Random, low: number, high: number) => Math.floor(between(random, low, high + 1));
const words = (random: Random, n: number) => Array.from({ length: n }, () => pick(random, WORDS)).join(' ');
const hex = (r: number, g: number, b: number) =>
  `#${[r, g, b]
    .map((v) =>
      Math.max(0, Math.min(255, Math.round(v)))
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
const colour = (random: Random) => hex(int(random, 0, 255), int(random, 0, 255), int(random, 0, 255));

interface Theme {
  background: string;
  panel: string;
  text: string;
  muted: string;
  accent: string;
}
function theme(random: Random): Theme {
  const accent = colour(random);
  if (random() < 0.3) {
    const b = int(random, 20, 50);
    return {
      background: hex(b, b, b + 4),
      panel: hex(b + 18, b + 18, b + 22),
      text: '#e8e8e8',
      muted: '#9a9a9a',
      accent,
    };
  }
  const b = int(random, 235, 255);
  return {
    background: hex(b, b, b),
    panel: hex(b - 14, b - 14, b - 10),
    text: '#202020',
    muted: '#6a6a6a',
    accent,
  };
}

const text = (
  x: number,
  y: number,
  size: number,
  fill: string,
  font: string,
  content: string,
  weight = 'normal',
) =>
  `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-family="${font}" font-size="${size.toFixed(1)}" font-weight="${weight}" fill="${fill}">${content}</text>`;

function windowScene(random: Random, w: number, h: number, t: Theme): string {
  const font = pick(random, FONTS);
  const size = between(random, 0.04, 0.075) * h;
  const bar = size * 2;
  const parts = [
    `<rect width="${w}" height="${h}" fill="${t.background}"/>`,
    `<rect width="${w}" height="${bar}" fill="${t.panel}"/>`,
    text(size, bar * 0.68, size, t.text, font, words(random, int(random, 2, 5)), 'bold'),
  ];
  const side = random() < 0.5 ? w * between(random, 0.2, 0.32) : 0;
  if (side) parts.push(`<rect y="${bar}" width="${side}" height="${h - bar}" fill="${t.panel}"/>`);
  for (let y = bar + size * 1.8; y < h - size; y += size * between(random, 1.3, 1.8)) {
    if (side) parts.push(text(size * 0.6, y, size * 0.9, t.muted, font, words(random, 2)));
    parts.push(
      text(side + size, y, size, random() < 0.15 ? t.accent : t.text, font, words(random, int(random, 3, 9))),
    );
  }
  for (let i = int(random, 0, 3); i > 0; i--) {
    const bw = size * between(random, 4, 7);
    const x = between(random, side, w - bw);
    const y = between(random, bar, h - size * 2);
    parts.push(
      `<rect x="${x}" y="${y}" width="${bw}" height="${size * 1.8}" rx="${size * 0.3}" fill="${t.accent}"/>`,
      text(
        x + size * 0.5,
        y + size * 1.25,
        size,
        '#ffffff',
        font,
        pick(random, ['open', 'save', 'cancel', 'apply', 'build']),
      ),
    );
  }
  return parts.join('');
}

function diagramScene(random: Random, w: number, h: number, t: Theme): string {
  const font = pick(random, FONTS);
  const size = between(random, 0.045, 0.07) * h;
  const boxes = Array.from({ length: int(random, 3, 7) }, () => ({
    x: between(random, 0.02, 0.62) * w,
    y: between(random, 0.02, 0.82) * h,
    w: between(random, 0.22, 0.36) * w,
    h: size * 2.2,
    fill: random() < 0.5 ? t.panel : colour(random),
  }));
  const parts = [`<rect width="${w}" height="${h}" fill="${t.background}"/>`];
  for (let i = 1; i < boxes.length; i++) {
    const a = boxes[i - 1] as (typeof boxes)[number];
    const b = boxes[i] as (typeof boxes)[number];
    parts.push(
      `<line x1="${a.x + a.w / 2}" y1="${a.y + a.h / 2}" x2="${b.x + b.w / 2}" y2="${b.y + b.h / 2}" stroke="${t.muted}" stroke-width="${between(random, 1, 2.5)}"${random() < 0.3 ? ' stroke-dasharray="4 3"' : ''}/>`,
    );
  }
  for (const box of boxes) {
    parts.push(
      `<rect x="${box.x}" y="${box.y}" width="${box.w}" height="${box.h}" rx="${random() < 0.5 ? size * 0.4 : 0}" fill="${box.fill}" stroke="${t.text}" stroke-width="1"/>`,
      text(box.x + size * 0.4, box.y + size * 1.4, size, t.text, font, words(random, int(random, 1, 2))),
    );
  }
  return parts.join('');
}

function chartScene(random: Random, w: number, h: number, t: Theme): string {
  const font = pick(random, FONTS);
  const size = between(random, 0.04, 0.06) * h;
  const left = size * 3;
  const bottom = h - size * 2.5;
  const top = size * 2.5;
  const parts = [
    `<rect width="${w}" height="${h}" fill="${t.background}"/>`,
    text(left, top - size, size * 1.1, t.text, font, words(random, int(random, 2, 4)), 'bold'),
  ];
  const ticks = int(random, 3, 6);
  for (let i = 0; i <= ticks; i++) {
    const y = bottom - ((bottom - top) * i) / ticks;
    parts.push(
      `<line x1="${left}" y1="${y}" x2="${w - size}" y2="${y}" stroke="${t.panel}" stroke-width="1"/>`,
      text(size * 0.3, y + size * 0.35, size * 0.85, t.muted, font, String(i * int(random, 1, 50))),
    );
  }
  parts.push(
    `<line x1="${left}" y1="${bottom}" x2="${w - size}" y2="${bottom}" stroke="${t.text}" stroke-width="1.5"/>`,
  );
  const n = int(random, 4, 12);
  const step = (w - size - left) / n;
  const series = Array.from({ length: int(random, 1, 3) }, () => colour(random));
  series.forEach((fill, s) => {
    const values = Array.from({ length: n }, () => between(random, 0.1, 1));
    if (random() < 0.5) {
      values.forEach((v, i) => {
        const bw = (step * 0.8) / series.length;
        parts.push(
          `<rect x="${left + i * step + step * 0.1 + s * bw}" y="${bottom - v * (bottom - top)}" width="${bw}" height="${v * (bottom - top)}" fill="${fill}"/>`,
        );
      });
    } else {
      const points = values
        .map((v, i) => `${left + (i + 0.5) * step},${bottom - v * (bottom - top)}`)
        .join(' ');
      parts.push(
        `<polyline points="${points}" fill="none" stroke="${fill}" stroke-width="${between(random, 1, 3)}"/>`,
      );
    }
  });
  return parts.join('');
}

function iconScene(random: Random, w: number, h: number, t: Theme): string {
  const parts = [
    `<defs><linearGradient id="g" x1="0" y1="0" x2="${random().toFixed(2)}" y2="1"><stop offset="0" stop-color="${colour(random)}"/><stop offset="1" stop-color="${colour(random)}"/></linearGradient>`,
    `<filter id="s"><feGaussianBlur stdDeviation="${between(random, 1, 6).toFixed(1)}"/></filter></defs>`,
    `<rect width="${w}" height="${h}" fill="${random() < 0.6 ? '#ffffff' : t.background}"/>`,
  ];
  for (let i = int(random, 1, 4); i > 0; i--) {
    const cx = between(random, 0.25, 0.75) * w;
    const cy = between(random, 0.25, 0.75) * h;
    const r = between(random, 0.12, 0.35) * w;
    const fill = random() < 0.5 ? 'url(#g)' : colour(random);
    const shape =
      random() < 0.5
        ? `<circle cx="${cx}" cy="${cy}" r="${r}"`
        : `<rect x="${cx - r}" y="${cy - r * 0.8}" width="${2 * r}" height="${1.6 * r}" rx="${r * between(random, 0, 0.3)}"`;
    if (random() < 0.5)
      parts.push(`${shape} fill="#000000" opacity="0.3" filter="url(#s)" transform="translate(3 5)"/>`);
    parts.push(
      `${shape} fill="${fill}" stroke="${random() < 0.5 ? t.text : 'none'}" stroke-width="${between(random, 1, 4)}"/>`,
    );
  }
  return parts.join('');
}

const SCENES = { window: windowScene, diagram: diagramScene, chart: chartScene, icon: iconScene };

/**
 * An SVG scene rendered at `width` x `height`. Subpixel: rendered three times as wide and each
 * output pixel's R, G and B taken from its three subpixels' columns, as ClearType-style text
 * rendering does (flat areas stay flat; edges get colour fringes).
 */
async function render(svgBody: string, width: number, height: number, subpixel: boolean): Promise<Buffer> {
  const wide = subpixel ? 3 * width : width;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${wide}" height="${height}" viewBox="0 0 ${width} ${height}" preserveAspectRatio="none">${svgBody}</svg>`;
  const raw = await sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).removeAlpha().raw().toBuffer();
  if (!subpixel) return raw;
  const out = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++)
        out[3 * (y * width + x) + c] = raw[3 * (y * wide + 3 * x + c) + c] as number;
    }
  }
  return out;
}

/** The scene drawn at `scale` times the size (subpixel text at that scale) and resized down to it. */
async function renderPng(
  svgBody: string,
  width: number,
  height: number,
  subpixel: boolean,
  scale: number,
): Promise<Buffer> {
  const [drawnWidth, drawnHeight] = [Math.round(width * scale), Math.round(height * scale)];
  const scaled = scale === 1 ? svgBody : `<g transform="scale(${scale})">${svgBody}</g>`;
  const pixels = await render(scaled, drawnWidth, drawnHeight, subpixel);
  const drawn = sharp(pixels, { raw: { width: drawnWidth, height: drawnHeight, channels: 3 } });
  return (scale === 1 ? drawn : drawn.resize(width, height, { fit: 'fill' })).png().toBuffer();
}

const out = values.out;
await mkdir(path.join(out, 'img'), { recursive: true });
const random = seededRandom(Number(values.seed));
const lines: CorpusManifestLine[] = [];
for (let i = 0; i < count; i++) {
  const sceneName = pick(random, Object.keys(SCENES) as (keyof typeof SCENES)[]);
  const subpixel = sceneName !== 'icon' && random() < 0.4;
  const pickedTheme = theme(random);
  const size = pick(random, sizes);
  const aspect = size === 224 ? 1 : between(random, 1.2, 1.8);
  const width = Math.round(size * aspect);
  const height = size;
  // Drawn only when there is a choice, so runs with the default draw the scenes they drew before the option.
  const scale = renderScales.length > 1 ? pick(random, renderScales) : (renderScales[0] as number);
  const body = SCENES[sceneName](random, width, height, pickedTheme);
  const file = `img/${String(i).padStart(4, '0')}_${sceneName}${subpixel ? '_subpixel' : ''}_${width}x${height}${scale === 1 ? '' : `_from${scale}x`}.png`;
  await writeFile(path.join(out, file), await renderPng(body, width, height, subpixel, scale));
  lines.push({
    path: file,
    kind: 'clean',
    attack: null,
    eps: null,
    source_photo: `graphics/${i}`,
    success: null,
    // Its own label, so training reports give graphics rows of their own (the files are PNG).
    format: 'graphics',
    split: 'graphics',
  } as CorpusManifestLine);
}
await writeCorpusManifest(path.join(out, 'manifest.jsonl'), lines);
console.log(`${lines.length} graphics in ${out}`);
