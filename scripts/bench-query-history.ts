// npm run bench:query-history -- <manifest.jsonl> [more manifests] [--radius 2,3,4] [--neighbours 3,5,8]
// How often the detector role's per-source query history would quarantine ordinary uploads:
// each manifest's clean files (PNG and JPEG; in these corpora several crops of each photo and
// their re-encodes, next to each other, a hard case for a near-duplicate rule) are sent by one
// sender, a second apart, in manifest order. Printed per rule: uploads quarantined and the photos
// they came from; then what the check costs a detector per upload (with a local Redis server,
// started as the tests start one). The attack side (how soon an agent's queries are refused) is
// bench:query-attack.
import { parseArgs } from 'node:util';
import { loadConfig } from '@advscreen/config';
import type { RgbImage } from '@advscreen/contracts';
import { decodeImage } from '@advscreen/imaging';
import {
  createMemoryQueryHistoryStore,
  createQueryHistory,
  createRedisQueryHistoryStore,
  findNeighbours,
  type QueryEntry,
  queryFingerprint,
} from '@advscreen/query-history';
import { Redis } from 'ioredis';
import { startRedis } from '../test/support/servers.ts';
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

// Cost per upload on a detector: the fingerprint, the search of a full history, and the Redis
// round trip that reads and extends it (a local Redis server, as the tests start one).
const rule = { ...defaults, radius: radii[0] as number, neighbours: neighbourCounts[0] as number };
const [probe, ...history] = sample;
if (!probe) throw new Error('no clean files in the manifests');
const entries = history.map((h) => h.entry);
const repeat = 2000;
const timed = async (work: (i: number) => unknown) => {
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const started = performance.now();
    await work(i);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => (times[Math.floor(p * (times.length - 1))] as number).toFixed(3);
  return `${at(0.5)} ms (99th percentile ${at(0.99)})`;
};
const fingerprintCost = await timed(() => queryFingerprint(probe.image));
const searchCost = await timed(() => findNeighbours(probe.entry, entries, rule));
const redisServer = await startRedis();
const redis = new Redis(redisServer.server.url);
const store = createRedisQueryHistoryStore(redis, rule, `bench-${process.pid}`);
for (const entry of entries) await store.recordAndRecall('sender', entry);
const redisCost = await timed((i) =>
  store.recordAndRecall('sender', { ...probe.entry, contentId: i.toString(16).padStart(16, '0') }),
);
redis.disconnect();
await redisServer.stop();
console.log(`\ncost per upload (median of ${repeat})`);
console.log(`  fingerprint of a ${probe.image.width}x${probe.image.height} image   ${fingerprintCost}`);
console.log(`  search of ${entries.length} remembered uploads  ${searchCost}`);
console.log(
  `  Redis MULTI reading ${Math.min(entries.length, rule.size)} entries and adding one (${redisServer.server.kind}, same machine)  ${redisCost}`,
);
