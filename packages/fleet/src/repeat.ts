/** A task run again and again until stopped (see repeatUntilStopped). */
export interface Repeating {
  /** No run starts after this; one in flight is left to end on its own, its failure unreported. */
  stop(): void;
}

/**
 * Runs `task` now, then `intervalMs` after each run ends (so runs never overlap), until stopped.
 * A run's failure goes to `onError` and the next run comes as usual. A run still in flight at
 * `stop()` is not awaited: the ingest role's poll is idempotent (jobs are keyed by object
 * version), so another ingest process's next poll lists what it left, while a listing of a store
 * that stopped answering would hold a closing role until its grace period ended.
 */
export function repeatUntilStopped(
  task: () => Promise<unknown>,
  intervalMs: number,
  onError: (error: unknown) => void,
): Repeating {
  let stopped = false;
  let next: NodeJS.Timeout | undefined;
  const run = () => {
    task()
      .catch((error: unknown) => {
        if (!stopped) onError(error);
      })
      .finally(() => {
        if (!stopped) next = setTimeout(run, intervalMs);
      });
  };
  run();
  return {
    stop() {
      stopped = true;
      clearTimeout(next);
    },
  };
}
