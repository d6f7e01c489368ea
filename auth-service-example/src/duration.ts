import { err, ok, type Result } from './result.ts';

/**
 * Durations as people write them on a command line: `30s`, `15m`, `2h`, `7d`, or a bare number of
 * seconds (`0` reads naturally for "no grace period").
 */

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
const DURATION = /^([0-9]{1,9})([smhd])?$/;

export const DURATION_FORMAT = 'a duration such as 30s, 15m, 2h or 7d';

/** The duration in whole seconds, or what the text should look like instead. */
export function parseDuration(text: string): Result<number, string> {
  const match = DURATION.exec(text.trim());
  if (match === null) return err(`expected ${DURATION_FORMAT}`);
  const unit = (match[2] ?? 's') as keyof typeof UNIT_SECONDS;
  return ok(Number(match[1]) * UNIT_SECONDS[unit]);
}

/** Seconds as the shortest exact duration: 900 → `15m`, 90 → `90s`. */
export function formatDuration(seconds: number): string {
  for (const unit of ['d', 'h', 'm'] as const) {
    const size = UNIT_SECONDS[unit];
    if (seconds >= size && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
