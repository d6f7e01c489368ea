import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { closedPort, startIdentityServer, type IdentityServer } from '../support/identity-server.ts';
import { exportingTo, startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.ts';
import { killAll, startServe } from '../support/process.ts';

/**
 * `formgate serve` with tracing on, as a process: what reaches the collector, and when. The batch delay is
 * a minute, so the spans can only arrive through the flush on shutdown.
 */

const CLIENT_SECRET = 'client-secret-marker-5f2a9c';
const DB_PASSWORD = 'db-password-marker-81c3';
const TOKEN = 'bearer-token-marker-a9d4e1';

let identity: IdentityServer;
let receiver: OtlpReceiver;

beforeAll(async () => {
  identity = await startIdentityServer({ status: 200, body: { active: true, sub: 'alice' } });
  receiver = await startOtlpReceiver();
});

afterAll(async () => {
  await killAll();
  await identity?.close();
  await receiver?.close();
});

describe('tracing on', () => {
  test('SIGTERM sends the spans still buffered; no secret from the command line, the environment or a request reaches the collector', async () => {
    const server = await startServe(
      [
        '--database-url', 'memory://',
        '--port', '0',
        '--protect', 'all',
        '--auth-protocol', 'introspection',
        '--auth-url', identity.url,
        '--auth-client-id', 'formgate',
        '--auth-client-secret', CLIENT_SECRET,
      ],
      {
        env: {
          ...exportingTo(receiver.endpoint),
          OTEL_BSP_SCHEDULE_DELAY: '60000',
          // Not Formgate's: only here to show the environment is not exported either.
          PGPASSWORD: DB_PASSWORD,
        },
      },
    );
    const res = await fetch(`${server.url}/api/v1/forms`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(identity.calls.at(-1)?.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(receiver.spans).toHaveLength(0); // still in the batch

    const exit = await server.stop('SIGTERM');
    expect(exit.code).toBe(0);
    expect(receiver.spans.map((s) => s.name)).toEqual(expect.arrayContaining(['GET /api/v1/forms', 'identity.validate', 'POST']));
    expect(new Set(receiver.spans.map((s) => s.service))).toEqual(new Set(['formgate']));

    const exported = receiver.bodies.join('\n');
    for (const secret of [CLIENT_SECRET, DB_PASSWORD, TOKEN]) expect(exported).not.toContain(secret);
  });

  test('a collector that is down does not hold up stopping: the last spans are given up, with a warning, and the exit is clean', async () => {
    const server = await startServe(['--database-url', 'memory://', '--port', '0', '--protect', 'none'], {
      env: {
        ...exportingTo(`http://127.0.0.1:${await closedPort()}`),
        OTEL_BSP_SCHEDULE_DELAY: '60000',
      },
    });
    expect((await fetch(`${server.url}/api/v1/forms`)).status).toBe(200);
    expect((await server.stop('SIGTERM')).code).toBe(0);
    const warning = server.logs.find((l) => l.msg === 'could not send the last traces') as { err?: { message?: string } } | undefined;
    expect(warning?.err?.message).toMatch(/did not take the last spans within \d+ ms/);
    // In order, and nothing lost at the exit.
    expect(server.logs.at(-1)?.msg).toBe('stopped');
  });

  test('OTEL_SDK_DISABLED=true keeps everything local even with an endpoint set', async () => {
    const before = receiver.bodies.length;
    const server = await startServe(['--database-url', 'memory://', '--port', '0', '--protect', 'none'], {
      env: { OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '10' },
    });
    const listening = server.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('Formgate listening'));
    expect(listening?.tracing).toBe('off');
    expect((await fetch(`${server.url}/api/v1/forms`)).status).toBe(200);
    expect((await server.stop('SIGTERM')).code).toBe(0);
    expect(receiver.bodies.length).toBe(before);
  });
});
