import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
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

/**
 * Opens `path` for writing (creating its folder), replacing any earlier content; `-` is
 * standard output, left open at `close()`.
 */
export async function createVerdictFileWriter(path: string): Promise<VerdictWriter> {
  if (path === '-') return verdictWriterOn(process.stdout, { ends: false });
  await makeFolder(dirname(path));
  return verdictWriterOn(createWriteStream(path, { flags: 'w' }), { ends: true });
}

function verdictWriterOn(stream: Writable, options: { ends: boolean }): VerdictWriter {
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
      if (!options.ends) return;
      stream.end();
      await once(stream, 'finish');
    },
  };
}
