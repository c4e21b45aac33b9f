/**
 * The one deadline helper: `work`, or `onTimeout()`'s error once `ms` have passed. The timer is
 * cleared as soon as the work settles, so a finished check never keeps the process waiting.
 * Callers that want a fallback instead of an error catch it.
 */
export async function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
