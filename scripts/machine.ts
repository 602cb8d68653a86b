import os from 'node:os';

/** One line naming the machine a benchmark ran on, printed with every figure. */
export function describeMachine(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${os.availableParallelism()} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}, ${os.platform()}-${os.arch()}`;
}
