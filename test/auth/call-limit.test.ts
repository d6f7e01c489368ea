import { describe, expect, it } from 'vitest';
import { createCallLimit } from '../../src/auth/call-limit.ts';

/** The bound on calls in flight on its own, with real timers and calls the test ends when it chooses. */

interface Held {
  started: number;
  /** Ends the call with this value. */
  end(value?: string): void;
  fail(error: Error): void;
}

/** Calls that run until the test ends them, recording the order they started in and how many ran at once. */
function heldCalls() {
  const held: Held[] = [];
  let running = 0;
  let most = 0;
  const call = () =>
    new Promise<string>((resolve, reject) => {
      most = Math.max(most, ++running);
      const done = () => running--;
      held.push({
        started: held.length,
        end: (value = 'done') => (done(), resolve(value)),
        fail: (error) => (done(), reject(error)),
      });
    });
  return { held, call, most: () => most, running: () => running };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('createCallLimit', () => {
  it('runs at most `max` calls at once, and every call once a slot frees', async () => {
    const limit = createCallLimit(3, 10_000);
    const calls = heldCalls();
    const results = Array.from({ length: 20 }, () => limit.run(calls.call));
    let settled = 0;
    for (const r of results) void r.then(() => settled++);
    await tick();
    expect([limit.inFlight, limit.waiting]).toEqual([3, 17]);
    for (let round = 0; round < 20 && settled < 20; round++) {
      expect(calls.running()).toBeLessThanOrEqual(3);
      expect(limit.inFlight).toBe(calls.running());
      for (const h of calls.held.splice(0)) h.end();
      await tick();
    }
    expect(await Promise.all(results)).toEqual(Array.from({ length: 20 }, () => ({ ok: true, value: 'done' })));
    expect(calls.most()).toBe(3);
    expect([limit.inFlight, limit.waiting]).toEqual([0, 0]);
  });

  it('refuses a call that gets no slot within the wait, and never makes it', async () => {
    const limit = createCallLimit(1, 50);
    const calls = heldCalls();
    const first = limit.run(calls.call);
    let made = false;
    const second = await limit.run(async () => {
      made = true;
      return 'late';
    });
    expect(second).toEqual({ ok: false, error: 'refused' });
    expect(made).toBe(false);
    // The refused waiter took nothing with it: the slot is still the first call's, then free.
    expect(limit.inFlight).toBe(1);
    expect(limit.waiting).toBe(0);
    calls.held[0]!.end();
    expect(await first).toEqual({ ok: true, value: 'done' });
    expect(limit.inFlight).toBe(0);
    expect(await limit.run(async () => 'now')).toEqual({ ok: true, value: 'now' });
  });

  it('serves waiters in the order they came', async () => {
    const limit = createCallLimit(1, 10_000);
    const order: string[] = [];
    const calls = heldCalls();
    const named = (name: string) => () => (order.push(name), calls.call());
    const runs = [limit.run(named('a')), limit.run(named('b')), limit.run(named('c'))];
    await tick();
    calls.held[0]!.end();
    // Arrives after b and c, as a's slot frees.
    runs.push(limit.run(named('d')));
    for (let i = 1; i < 4; i++) {
      await tick();
      calls.held[i]!.end();
    }
    await Promise.all(runs);
    expect(order).toEqual(['a', 'b', 'c', 'd']);
  });

  it('frees the slot of a call that throws, and passes the error on', async () => {
    const limit = createCallLimit(1, 10_000);
    const calls = heldCalls();
    const failing = limit.run(calls.call);
    const waiting = limit.run(async () => 'next');
    await tick();
    calls.held[0]!.fail(new Error('boom'));
    await expect(failing).rejects.toThrow('boom');
    expect(await waiting).toEqual({ ok: true, value: 'next' });
    expect(limit.inFlight).toBe(0);
  });

  it('forgets waiters that gave up: the freed slot goes to one still waiting, and none is lost', async () => {
    const limit = createCallLimit(1, 30);
    const calls = heldCalls();
    const first = limit.run(calls.call);
    const givingUp = Array.from({ length: 5 }, () => limit.run(async () => 'never'));
    expect(await Promise.all(givingUp)).toEqual(Array.from({ length: 5 }, () => ({ ok: false, error: 'refused' })));
    expect(limit.waiting).toBe(0);
    const later = limit.run(async () => 'later');
    calls.held[0]!.end();
    await first;
    expect(await later).toEqual({ ok: true, value: 'later' });
    expect([limit.inFlight, limit.waiting]).toEqual([0, 0]);
  });

  it('refuses a bound that is not a positive integer', () => {
    for (const max of [0, -1, 1.5, Number.NaN]) expect(() => createCallLimit(max, 100)).toThrow(RangeError);
  });
});
