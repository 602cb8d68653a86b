// The monitor role as its own process: config -> connections -> workers -> shutdown on SIGTERM.
import { loadConfig } from '@advscreen/config';
import { runRoleUntilSignalled } from '@advscreen/fleet';
import { createLogger } from '@advscreen/observability';

const config = loadConfig();
process.exitCode = await runRoleUntilSignalled(
  'monitor',
  config,
  createLogger({ name: 'advscreen-monitor', level: config.logLevel }),
);
