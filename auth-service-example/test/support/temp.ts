import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished, type TestContext } from 'vitest';

/**
 * A fresh directory under the system's temp dir, removed when the test finishes. Concurrent tests pass
 * their context, so the directory is tied to the right test.
 */
export async function tempDir(ctx?: Pick<TestContext, 'onTestFinished'>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'auth-service-test-'));
  (ctx?.onTestFinished ?? onTestFinished)(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
