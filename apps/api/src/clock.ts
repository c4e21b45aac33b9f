/** Injectable time source: tests move it forward to expire sessions and tokens. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
