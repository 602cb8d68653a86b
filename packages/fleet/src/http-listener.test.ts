import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { listen } from './http-listener.ts';

describe('listen', () => {
  it('fails with the reason when the port is taken, instead of waiting', async () => {
    const first = await listen(createServer(), 0, '127.0.0.1');
    await expect(listen(createServer(), first.port, '127.0.0.1')).rejects.toThrow(/EADDRINUSE/);
    await first.close();
  });
});
