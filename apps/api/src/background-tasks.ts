import type { Logger } from './logger.js';

/**
 * Work that must not hold up a response (sending a reset email after answering 202), tracked so
 * that shutdown can wait for it and tests can wait until the system is quiet.
 */
export interface BackgroundTasks {
  run(name: string, work: () => Promise<void>): void;
  /** Resolves once every task started so far (and any they start) has finished. */
  idle(): Promise<void>;
}

export function createBackgroundTasks(logger: Logger): BackgroundTasks {
  const pending = new Set<Promise<void>>();
  return {
    run(name, work) {
      const task = work()
        .catch((error: unknown) => logger.error({ err: error, task: name }, 'Background task failed'))
        .finally(() => pending.delete(task));
      pending.add(task);
    },
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
