import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clientSecretId } from '../../auth-service-example/src/client-secrets.ts';
import { isKeyLive } from '../../auth-service-example/src/directory/edits.ts';
import { readDirectoryFile } from '../../auth-service-example/src/directory/file.ts';
import { clientsOf } from '../../auth-service-example/src/directory/schema.ts';
import { verifySecret } from '../../auth-service-example/src/passwords.ts';
import { MIN_SESSION_SECRET_LENGTH, type WebConfig } from '../../src/config/index.ts';
import { secretLines } from '../../src/web/startup.ts';
import {
  copiedFromRepo,
  IMAGES,
  imageOf,
  listenPort,
  mountedFile,
  namespaceMembers,
  namespaceOwner,
  portsReaching,
  resolvedAuthService,
  resolvedFormgate,
  ROOT,
  serviceOf,
  specOf,
} from './services.ts';

/**
 * compose.yaml runs Formgate as libreForms #329 splits it: formgate-api (the API alone, on PostgreSQL,
 * published nowhere) and formgate-web (the web client alone, the one people reach), each resolved by
 * Formgate's own configuration resolver, and formgate-web's sign-in wired to the example identity service
 * with a client registered in the users file its image ships.
 */

const LOOPBACK = /^(127(\.\d{1,3}){3}|localhost|\[::1\])$/;
const API_URL = 'http://formgate-api:8080';

/** formgate-web's web settings; fails the test (with Formgate's own message) when there are none. */
function webOf(): WebConfig {
  const web = resolvedFormgate('formgate-web').web;
  if (web === null) throw new Error('compose.yaml services.formgate-web: FORMGATE_UI turns the web client off');
  return web;
}

function signInOf() {
  const signIn = webOf().signIn;
  if (signIn === null) throw new Error('compose.yaml services.formgate-web: no FORMGATE_UI_ISSUER, so nobody can sign in');
  return signIn;
}

/** The repository file compose mounts at a container path of formgate-web (a `secrets:` entry). */
function mountedInWeb(containerPath: string): string {
  const file = mountedFile('formgate-web', containerPath);
  if (file === undefined) throw new Error(`compose.yaml services.formgate-web: no secrets: entry mounts a file at ${containerPath}`);
  return file;
}

const fileOf = (source: { kind: 'value' } | { kind: 'file'; path: string } | { kind: 'values' } | null): string => {
  if (source?.kind !== 'file') throw new Error(`compose.yaml services.formgate-web: expected a secret from a file, got ${source?.kind ?? 'none'}`);
  return source.path;
};

describe('formgate-api: the API alone, on PostgreSQL, on the compose network only', () => {
  it('resolves to an API without the web client (--no-ui)', () => {
    const config = resolvedFormgate('formgate-api');
    expect(config.web, 'FORMGATE_UI=false').toBeNull();
    // Before the API flags exist, `api` is absent: this holds then and once it is `true`.
    expect(config, 'FORMGATE_API must not turn the API off here').not.toMatchObject({ api: false });
    expect(config.database.kind, 'FORMGATE_DATABASE_URL').toBe('postgres');
  });

  it('is published on no port, and no service shares its network namespace to publish one for it', () => {
    expect(serviceOf('formgate-api').ports).toEqual([]);
    expect(namespaceMembers('formgate-api')).toEqual(['formgate-api']);
    expect(portsReaching('formgate-api')).toEqual([]);
  });

  it('starts once PostgreSQL and the identity service are healthy, and checks its own /health', () => {
    const service = serviceOf('formgate-api');
    expect(service.dependsOn).toMatchObject({ postgres: 'service_healthy', auth: 'service_healthy' });
    expect(service.healthcheck?.join(' ')).toContain(`http://127.0.0.1:${listenPort('formgate-api')}/health'`);
  });

  it('sets no web client variables it would ignore', () => {
    const ui = Object.keys(serviceOf('formgate-api').environment).filter((k) => k.startsWith('FORMGATE_UI_') || k.startsWith('FORMGATE_API_URL'));
    expect(ui).toEqual([]);
  });
});

describe('formgate-web: the web client alone, talking to formgate-api', () => {
  it('resolves to a web-only configuration: no API of its own, formgate-api at --api-url', () => {
    const config = resolvedFormgate('formgate-web');
    // Fails until src/config knows FORMGATE_API and FORMGATE_API_URL (the lead's roles.ts).
    expect(config).toMatchObject({ api: false, web: { api: { kind: 'remote', url: API_URL } } });
  });

  it('sets no database, forms, protection or identity-service variables of its own', () => {
    const own = Object.keys(serviceOf('formgate-web').environment).filter((k) =>
      /^FORMGATE_(DATABASE_URL|FORMS|PROTECT|ADMIN_GROUP|AUTH_.*)$/.test(k),
    );
    expect(own, 'the API decides these; the web client opens no database and validates no token').toEqual([]);
  });

  it('is published on 127.0.0.1 alone, at the origin it is told people reach it at', () => {
    const ports = portsReaching('formgate-web');
    expect(ports.length, 'compose.yaml: a port published for formgate-web').toBeGreaterThan(0);
    for (const p of ports) expect(p.hostIp, `compose.yaml ports ${p.text}`).toBe('127.0.0.1');
    const publicUrl = new URL(webOf().publicUrl);
    expect(publicUrl.hostname, 'FORMGATE_UI_PUBLIC_URL').toBe('127.0.0.1');
    expect(ports.map((p) => p.published), 'FORMGATE_UI_PUBLIC_URL names a published port').toContain(publicUrl.port);
  });

  it('starts once formgate-api is healthy, and checks its own /health (which includes the API\'s)', () => {
    const service = serviceOf('formgate-web');
    expect(service.dependsOn).toMatchObject({ 'formgate-api': 'service_healthy' });
    expect(service.healthcheck?.join(' ')).toContain(`http://127.0.0.1:${listenPort('formgate-web')}/health'`);
  });

  it('runs from the same image as formgate-api: one image per package', () => {
    expect(serviceOf('formgate-web').build).toEqual(serviceOf('formgate-api').build);
  });
});

describe('formgate-web signs people in at the example identity service', () => {
  it('names as issuer exactly what the identity service calls itself', () => {
    expect(signInOf().issuer, 'FORMGATE_UI_ISSUER = AUTH_ISSUER (discovery checks they are equal)').toBe(resolvedAuthService().issuer);
  });

  it('reaches the issuer as the browser does: a loopback URL, which in its namespace is the identity service', () => {
    const issuer = new URL(signInOf().issuer);
    expect(issuer.hostname, 'the issuer (Formgate takes plain http on a loopback address only)').toMatch(LOOPBACK);
    // formgate-web's loopback is the identity service's only when it lives in that service's namespace.
    expect(namespaceOwner(serviceOf('formgate-web')), 'compose.yaml services.formgate-web.network_mode').toBe('auth');
    expect(Number(issuer.port), 'the issuer port is the one the identity service listens on').toBe(listenPort('auth'));
    // And the browser on the host reaches the same URL through a port published on the same address.
    const published = serviceOf('auth').ports.filter((p) => p.target === listenPort('auth'));
    expect(published.map((p) => [p.hostIp, p.published])).toContainEqual(['127.0.0.1', issuer.port]);
  });

  it('shares the namespace soundly: no ports of its own, distinct ports inside, restarted with the owner', () => {
    const web = serviceOf('formgate-web');
    // Docker refuses ports on a container that joins another's network namespace.
    expect(web.ports, 'compose.yaml services.formgate-web.ports: publish them on auth').toEqual([]);
    const ports = namespaceMembers('auth').map(listenPort);
    expect(new Set(ports).size, `ports listened on in auth's namespace: ${ports.join(', ')}`).toBe(ports.length);
    expect(web.dependsOn.auth, 'depends_on.auth').toBe('service_healthy');
    // A restarted auth container has a new namespace; without this formgate-web would keep the dead one.
    expect(web.restartsWith, 'depends_on.auth.restart').toContain('auth');
  });

  it('signs in as a client registered in the users file of the identity service image, for its public URL', async () => {
    const { clientId } = signInOf();
    const usersFile = copiedFromRepo(specOf('auth').image, resolvedAuthService().usersPath);
    expect(usersFile, 'the users file the auth image ships').toBeDefined();
    const directory = await readDirectoryFile(path.join(ROOT, usersFile!));
    if (!directory.ok) throw new Error(`${usersFile}: ${directory.error.message}`);
    const client = clientsOf(directory.value)[clientId];
    expect(client, `${usersFile}: clients.${clientId}`).toBeDefined();
    const { publicUrl } = webOf();
    expect(client!.redirectUris, `${usersFile}: clients.${clientId}.redirectUris`).toContain(`${publicUrl}/auth/callback`);
    expect(client!.postLogoutRedirectUris, `${usersFile}: clients.${clientId}.postLogoutRedirectUris`).toContain(`${publicUrl}/`);
  });

  it('has a development client secret file that opens that client', async () => {
    const { clientId, clientSecret } = signInOf();
    const file = mountedInWeb(fileOf(clientSecret));
    // Read as Formgate reads it (the whole file, trimmed).
    const secret = readFileSync(path.join(ROOT, file), 'utf8').trim();
    expect(secret, `${file}: says it is for development only`).toContain('DEVELOPMENT-ONLY');
    const directory = await readDirectoryFile(path.join(ROOT, copiedFromRepo(specOf('auth').image, resolvedAuthService().usersPath)!));
    if (!directory.ok) throw new Error(directory.error.message);
    const record = clientsOf(directory.value)[clientId]?.secrets.find((s) => s.id === clientSecretId(secret));
    expect(record, `${file}: no secret of clients.${clientId} has this secret's id`).toBeDefined();
    expect(isKeyLive(record!, Date.now()), 'the secret has no expiresAt in the past').toBe(true);
    expect(await verifySecret(record!.hash, secret), `${file} against its hash`).toBe(true);
  });

  it('has a development session secret file Formgate accepts', () => {
    const file = mountedInWeb(fileOf(webOf().sessionSecrets));
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    expect(text, `${file}: says it is for development only`).toMatch(/^#.*DEVELOPMENT ONLY/m);
    const secrets = secretLines(text);
    expect(secrets.length, `${file}: one secret per line`).toBeGreaterThan(0);
    for (const s of secrets) expect(s.length, `${file}: each secret's length`).toBeGreaterThanOrEqual(MIN_SESSION_SECRET_LENGTH);
  });

  it('keeps the development secrets out of every image: they are mounted, never copied', () => {
    const files = [fileOf(signInOf().clientSecret), fileOf(webOf().sessionSecrets)].map(mountedInWeb);
    const copied = IMAGES.flatMap((spec) =>
      imageOf(spec).copies.filter((c) => c.origin.kind === 'context' && files.some((f) => !path.posix.relative(c.origin.path, f).startsWith('..'))),
    );
    expect(copied.map((c) => c.origin.path)).toEqual([]);
  });
});
