import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { descriptorShortfall, OTHER_DESCRIPTORS, openFilesLimit } from '../../src/http/descriptors.ts';

const LIMITS = [
  'Limit                     Soft Limit           Hard Limit           Units     ',
  'Max processes             96362                96362                processes ',
  'Max open files            1024                 524288               files     ',
  'Max locked memory         8388608              8388608              bytes     ',
].join('\n');

describe('the file descriptor limit', () => {
  it('is the soft "Max open files" of /proc/<pid>/limits', () => {
    expect(openFilesLimit(LIMITS)).toBe(1024);
    expect(openFilesLimit(LIMITS.replace(/1024 /, 'unlimited '))).toBeUndefined();
    expect(openFilesLimit('')).toBeUndefined();
  });

  it.runIf(existsSync('/proc/self/limits'))('is read from this process', () => {
    expect(openFilesLimit(readFileSync('/proc/self/limits', 'utf8'))).toBeGreaterThan(0);
  });

  it('is enough for the default cap under a common limit, not under a small one', () => {
    expect(descriptorShortfall(1000, 524288)).toBeUndefined();
    expect(descriptorShortfall(1000, 1000 + 100 + OTHER_DESCRIPTORS)).toBeUndefined();
    const warning = descriptorShortfall(1000, 1024);
    expect(warning).toContain('--max-connections 1000');
    expect(warning).toContain('1024');
    expect(warning).toContain('FORMGATE_MAX_CONNECTIONS');
    expect(warning).not.toMatch(/[\r\n]/);
  });
});
