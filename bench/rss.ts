import { readFile } from 'node:fs/promises';

/** A process's resident set size, read from /proc/<pid>/status (Linux), in bytes. */
export async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kib) * 1024;
}

/**
 * Samples a process's RSS every intervalMs while `during` runs (at most maxSamples times); resolves with its
 * result and the peak seen.
 */
export async function peakRssDuring<T>(pid: number, during: Promise<T>, intervalMs = 100, maxSamples = 6_000): Promise<{ result: T; peakBytes: number }> {
  let peakBytes = await rssBytes(pid);
  let sampling = true;
  const sampler = (async () => {
    for (let i = 0; sampling && i < maxSamples; i++) {
      peakBytes = Math.max(peakBytes, await rssBytes(pid));
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  let result: T;
  try {
    result = await during;
  } finally {
    sampling = false;
    await sampler;
  }
  return { result, peakBytes: Math.max(peakBytes, await rssBytes(pid)) };
}
