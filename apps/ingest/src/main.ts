// The ingest role as its own process: config -> connections -> workers -> shutdown on SIGTERM.
import { loadConfig } from '@advscreen/config';
import { runRoleUntilSignalled } from '@advscreen/fleet';
import { createLogger } from '@advscreen/observability';

const config = loadConfig();
process.exitCode = await runRoleUntilSignalled(
  'ingest',
  config,
  createLogger({ name: 'advscreen-ingest', level: config.logLevel }),
);
