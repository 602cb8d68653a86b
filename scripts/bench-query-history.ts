// npm run bench:query-history -- <manifest.jsonl> [more manifests] [--radius 2,3,4] [--neighbours 3,5,8]
// How often the detector role's per-source query history would quarantine ordinary uploads:
// each manifest's clean files (PNG and JPEG; in these corpora several crops of each photo and
// their re-encodes, next to each other, a hard case for a near-duplicate rule) are sent by one
// sender, a second apart, in manifest order. Printed per rule: uploads quarantined and the photos
// they came from; then what the check costs a detector per upload. The attack side (how soon an
// agent's queries are refused) is bench:query-attack.
import { parseArgs } from 'node:util';
import { loadConfig } from '@advscreen/config';
import type { RgbImage } from '@advscreen/contracts';
import { decodeImage } from '@advscreen/imaging';
import {
  createMemoryQueryHistoryStore,
  createQueryHistory,
  findNeighbours,
  type QueryEntry,
  queryFingerprint,
} from '@advscreen/query-history';
import { loadManifests } from './corpus-files.ts';
import { describeMachine } from './machine.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { radius: { type: 'string', default: '2,3,4' }, neighbours: { type: 'string', default: '3,5,8' } },
});
const numbers = (list: string) => list.split(',').map(Number);
const radii = numbers(values.radius as string);
const neighbourCounts = numbers(values.neighbours as string);
if (positionals.length === 0 || ![...radii, ...neighbourCounts].every((n) => Number.isFinite(n) && n > 0)) {
  console.error(
    'usage: npm run bench:query-history -- <manifest.jsonl> [more manifests] [--radius 2,3,4] [--neighbours 3,5,8]',
  );
  process.exit(2);
}
const config = loadConfig();
const defaults = config.fleet.queryHistory ?? { size: 256, windowMs: 3_600_000 };

console.log(`bench:query-history  ${positionals.join(' ')}`);
console.log(`machine              ${describeMachine()}`);
console.log(
  `history              the last ${defaults.size} uploads of a sender, ${defaults.windowMs / 60_000} min\n`,
);
console.log('| corpus (one sender) | uploads | radius | neighbours | quarantined | photos they came from |');
console.log('|---|---|---|---|---|---|');
let sample: { entry: QueryEntry; image: RgbImage }[] = [];
for (const { manifest, store } of await loadManifests(positionals)) {
  const uploads = [];
  for (const line of manifest.lines.filter((l) => l.kind === 'clean')) {
    const decoded = await decodeImage(await store.read(line.path, config.decode.maxBytes), config.decode);
    uploads.push({ line, image: decoded.analysis });
  }
  for (const radius of radii)
    for (const neighbours of neighbourCounts) {
      const rule = { ...defaults, radius, neighbours };
      const history = createQueryHistory(createMemoryQueryHistoryStore(rule), rule);
      const photos = new Map<string, number>();
      for (const [i, { line, image }] of uploads.entries()) {
        const finding = await history.inspect('sender', { content: line.path, atMs: i * 1000, image });
        const photo = line.source_photo ?? line.path;
        if (finding.repeated) photos.set(photo, (photos.get(photo) ?? 0) + 1);
      }
      const quarantined = [...photos.values()].reduce((a, b) => a + b, 0);
      const named = [...photos].map(([photo, n]) => `${photo} (${n})`);
      console.log(
        `| ${manifest.root} | ${uploads.length} | ${radius} | ${neighbours} | ${quarantined} (${((quarantined / uploads.length) * 100).toFixed(1)}%) | ${named.slice(0, 4).join(', ')}${named.length > 4 ? `, +${named.length - 4}` : ''} |`,
      );
    }
  sample = [
    ...sample,
    ...uploads.map(({ line, image }, i) => ({
      entry: { contentId: line.path, atMs: i, fingerprint: queryFingerprint(image) },
      image,
    })),
  ].slice(-defaults.size - 1);
}

// Cost per upload on a detector: the fingerprint, and the search of a full history.
const rule = { ...defaults, radius: radii[0] as number, neighbours: neighbourCounts[0] as number };
const [probe, ...history] = sample;
const repeat = 2000;
let started = performance.now();
for (let i = 0; i < repeat; i++) queryFingerprint((probe as (typeof sample)[number]).image);
const fingerprintMs = (performance.now() - started) / repeat;
started = performance.now();
for (let i = 0; i < repeat; i++)
  findNeighbours(
    (probe as (typeof sample)[number]).entry,
    history.map((h) => h.entry),
    rule,
  );
const searchMs = (performance.now() - started) / repeat;
console.log(
  `\ncost per upload      fingerprint ${fingerprintMs.toFixed(3)} ms (${probe?.image.width}x${probe?.image.height}), search of ${history.length} remembered uploads ${searchMs.toFixed(3)} ms; one Redis MULTI (LRANGE ${history.length} x 80 bytes, LPUSH, LTRIM, PEXPIRE)`,
);
