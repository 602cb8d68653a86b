import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { VerdictRecord } from '@advscreen/contracts';
import { makeFolder } from '@advscreen/storage';

/** Appends one JSON object per line; `close()` resolves once every line is on disk. */
export interface VerdictWriter {
  write(record: VerdictRecord): Promise<void>;
  close(): Promise<void>;
}

export function formatVerdictLine(record: VerdictRecord): string {
  return `${JSON.stringify(record)}\n`;
}

/** Opens `path` for writing (creating its folder), replacing any earlier content. */
export async function createVerdictFileWriter(path: string): Promise<VerdictWriter> {
  await makeFolder(dirname(path));
  const stream: WriteStream = createWriteStream(path, { flags: 'w' });
  let failure: Error | null = null;
  stream.on('error', (error) => {
    failure = error;
  });
  return {
    async write(record) {
      if (failure) throw failure;
      if (!stream.write(formatVerdictLine(record))) await once(stream, 'drain');
    },
    async close() {
      if (failure) throw failure;
      stream.end();
      await once(stream, 'finish');
    },
  };
}
