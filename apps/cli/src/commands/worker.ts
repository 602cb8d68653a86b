import { loadConfig } from '@advscreen/config';
import { ROLES, type Role, runRoleUntilSignalled } from '@advscreen/fleet';
import { createLogger } from '@advscreen/observability';
import { UsageError } from '../usage-error.ts';

/** `advscreen worker ingest|detector|inference|monitor`: one fleet role in this process. */
export async function runWorkerCommand(argv: string[]): Promise<number> {
  const role = argv[0] as Role;
  if (argv.length !== 1 || !ROLES.includes(role))
    throw new UsageError(`worker takes one role: ${ROLES.join(', ')}`);
  const config = loadConfig();
  return runRoleUntilSignalled(
    role,
    config,
    createLogger({ name: `advscreen-${role}`, level: config.logLevel }),
  );
}
