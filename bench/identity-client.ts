import type { ChildProcess } from 'node:child_process';
import { startScript } from './processes.ts';

/** The benchmarks' identity service (`identity-service.ts`) as a child process, and its call counter. */

/** The one token the service puts in the `admin` group, for reading GET /api/v1/admin/auth-cache. */
export const ADMIN_TOKEN = 'bench-admin';

export interface CallCounts {
  /** Validation calls answered since the last reset. */
  calls: number;
  /** Distinct tokens among them. */
  tokens: number;
}

export interface IdentityService {
  /** The validation URL, for `--auth-url`. */
  url: string;
  child: ChildProcess;
  counts(): Promise<CallCounts>;
  resetCounts(): Promise<void>;
}

export async function startIdentityService(options: { delayMs?: number } = {}): Promise<IdentityService> {
  const { child, firstLine: url } = await startScript('bench/identity-service.ts', ['--delay-ms', String(options.delayMs ?? 0)]);
  const callsUrl = new URL('/calls', url).toString();
  return {
    url,
    child,
    async counts() {
      const res = await fetch(callsUrl);
      if (!res.ok) throw new Error(`GET /calls answered ${res.status}`);
      return (await res.json()) as CallCounts;
    },
    async resetCounts() {
      const res = await fetch(callsUrl, { method: 'DELETE' });
      if (!res.ok) throw new Error(`DELETE /calls answered ${res.status}`);
    },
  };
}
