import type { HealthCheck } from '../health/check.ts';
import type { FormsFileState } from './live.ts';

/**
 * The forms file in /health: `warn` while a change to it could not be used, naming why and since when the
 * last good version is served. Never critical: the service still answers with that version.
 */
export function formsFileHealthCheck(state: () => FormsFileState): HealthCheck {
  return {
    name: 'forms:file',
    componentType: 'component',
    critical: false,
    run: async () => {
      const { problem, loadedAt } = state();
      const time = new Date().toISOString();
      if (problem === undefined) return { status: 'pass', durationMs: 0, time };
      return { status: 'warn', durationMs: 0, time, output: `${problem}; still serving the version loaded at ${loadedAt.toISOString()}` };
    },
  };
}
