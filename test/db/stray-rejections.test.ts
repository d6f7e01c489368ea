import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { isLostConnection, strayRejectionListener } from '../../src/db/stray-rejections.ts';

describe('stray rejections', () => {
  const lost = Object.assign(new Error('write CONNECTION_CLOSED 127.0.0.1:5432'), { code: 'CONNECTION_CLOSED' });

  it('knows a lost connection, also wrapped by drizzle', () => {
    expect(isLostConnection(lost)).toBe(true);
    expect(isLostConnection(new Error('Failed query', { cause: lost }))).toBe(true);
    expect(isLostConnection(Object.assign(new Error('x'), { code: 'CONNECTION_DESTROYED' }))).toBe(true);
    expect(isLostConnection(Object.assign(new Error('syntax'), { code: '42601' }))).toBe(false);
    expect(isLostConnection(new TypeError('a bug'))).toBe(false);
    expect(isLostConnection('a string')).toBe(false);
  });

  it('logs a lost connection and goes on; rethrows anything else so the process still ends', () => {
    const lines: string[] = [];
    const listener = strayRejectionListener(createLogger('info', { write: (l: string) => void lines.push(l) }));
    expect(() => listener(lost)).not.toThrow();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'warn', code: 'CONNECTION_CLOSED' });
    const bug = new TypeError('a bug');
    expect(() => listener(bug)).toThrow(bug);
  });
});
