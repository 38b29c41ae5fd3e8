import { readFileSync } from 'node:fs';

/** Time comes from a Clock so schedules can be tested without waiting. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told to: for tests, benchmarks and demos. */
export class ManualClock implements Clock {
  private current: number;
  constructor(start: Date | string = '2026-09-07T09:00:00Z') {
    this.current = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.current);
  }
  set(to: Date | string): void {
    this.current = new Date(to).getTime();
  }
  advanceDays(days: number): void {
    this.current += days * 86_400_000;
  }
  advanceMs(ms: number): void {
    this.current += ms;
  }
}

/**
 * Test only: a clock that reads the time from a file (an ISO instant) each time it is
 * asked, so a test can move the time of bots it runs as separate processes, several at
 * once. Set through TEST_CLOCK_FILE; never in a deployment.
 */
export class FileClock implements Clock {
  constructor(private readonly path: string) {
    this.now(); // fail at start, not on the first turn, if the file is missing or wrong
  }
  now(): Date {
    const text = readFileSync(this.path, 'utf8').trim();
    const at = new Date(text);
    if (Number.isNaN(at.getTime())) throw new Error(`TEST_CLOCK_FILE ${this.path} does not hold a date: "${text.slice(0, 40)}"`);
    return at;
  }
}
