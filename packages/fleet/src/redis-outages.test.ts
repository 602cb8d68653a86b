import { EventEmitter } from 'node:events';
import { ConnectionClosedError } from 'bullmq';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { isRedisConnectionError, logRedisOutages } from './redis-outages.ts';

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
}

function loggedConnection() {
  const lines: { level: number; msg: string; outageMs?: number }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const connection = new EventEmitter();
  logRedisOutages(connection, logger);
  return { connection, lines };
}

describe('isRedisConnectionError', () => {
  it('tells an unreachable server from a command that went wrong', () => {
    expect(isRedisConnectionError(refused())).toBe(true);
    expect(isRedisConnectionError(new ConnectionClosedError())).toBe(true);
    expect(isRedisConnectionError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(
      true,
    );
    expect(isRedisConnectionError(new Error("ERR unknown command 'FOO'"))).toBe(false);
    expect(isRedisConnectionError(new Error('OOM command not allowed when used memory > maxmemory'))).toBe(
      false,
    );
  });
});

describe('logRedisOutages', () => {
  it('logs an outage once when it starts and once when Redis is back, each time', async () => {
    const { connection, lines } = loggedConnection();
    for (let attempt = 0; attempt < 40; attempt++) connection.emit('error', refused());
    await new Promise((resolve) => setTimeout(resolve, 20));
    connection.emit('ready');
    connection.emit('ready');
    connection.emit('error', refused());
    connection.emit('ready');

    expect(lines.map((line) => line.msg)).toEqual([
      'redis unreachable; jobs wait until it is back',
      'redis reachable again',
      'redis unreachable; jobs wait until it is back',
      'redis reachable again',
    ]);
    expect(lines[1]?.outageMs).toBeGreaterThanOrEqual(15);
  });

  it('logs every error that is not about reaching the server', () => {
    const { connection, lines } = loggedConnection();
    connection.emit('error', new Error('OOM command not allowed when used memory > maxmemory'));
    connection.emit('error', new Error('OOM command not allowed when used memory > maxmemory'));
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [40, 'redis error'],
      [40, 'redis error'],
    ]);
  });
});
