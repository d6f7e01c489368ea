import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { flagsIn, scriptOf } from './argv.ts';
import { where, words, type Instruction } from './dockerfile.ts';
import { inImage } from './image.ts';
import {
  compose,
  containerEnv,
  copiedFromRepo,
  IMAGES,
  imageOf,
  inRepo,
  listenPort,
  namespaceMembers,
  namespaceOwner,
  portsReaching,
  PROGRAMS,
  resolvedAuthService,
  resolvedFormgate,
  ROOT,
  serviceOf,
  SERVICES,
  specOf,
  startCommand,
  urlsIn,
  type ImageSpec,
} from './services.ts';

/**
 * Docker cannot run here, so this reads compose.yaml (over the ENV of the images it builds) and checks it
 * against the programs it starts: every variable and flag is one the program knows, the values pass the
 * program's own configuration resolver, ports, health checks and start order fit together. compose-split.test.ts checks the two Formgate services as
 * libreForms #329 splits them; images.test.ts checks that each image copies what its services need.
 */

const at = (spec: ImageSpec, ins: Instruction): string => `${spec.dockerfile} ${where(ins)}`;

// -----------------------------------------------------------------------------------------------------

describe('compose.yaml', () => {
  it('has the five services: postgres, auth, formgate-api, formgate-web and jaeger', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['auth', 'formgate-api', 'formgate-web', 'jaeger', 'postgres']);
  });

  it.each(PROGRAMS.map((p) => [p.envPrefix, p.name, p] as const))('sets only %s* variables that are flags of %s, in compose.yaml and in the images', (_prefix, _name, program) => {
    const problems: string[] = [];
    const known = new Set(program.flags.map((f) => program.envName(f)));
    for (const service of Object.values(compose.services)) {
      for (const key of Object.keys(service.environment)) {
        if (key.startsWith(program.envPrefix) && !known.has(key)) {
          problems.push(`compose.yaml services.${service.name}.environment.${key}: not a flag of ${program.name}`);
        }
      }
    }
    for (const spec of IMAGES) {
      for (const [key, setting] of imageOf(spec).env) {
        if (key.startsWith(program.envPrefix) && !known.has(key)) problems.push(`${at(spec, setting.ins)}: ${key} is not a flag of ${program.name}`);
      }
    }
    expect(problems, `known: ${[...known].join(', ')}`).toEqual([]);
  });

  it('passes only flags that exist to the programs it starts', () => {
    const problems: string[] = [];
    for (const spec of SERVICES) {
      const { argv, from } = startCommand(spec);
      const { script, args } = scriptOf(argv);
      if (script === undefined) problems.push(`${from}: the start command ${JSON.stringify(argv)} does not run a script with node`);
      for (const { name } of flagsIn(args)) {
        if (!spec.image.program.flags.includes(name)) problems.push(`${from}: --${name} is not a flag of ${spec.image.program.name}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('gives the API values its own resolver accepts: PostgreSQL, writes protected, the identity service', () => {
    const config = resolvedFormgate('formgate-api');
    expect(config.database.kind, 'FORMGATE_DATABASE_URL').toBe('postgres');
    expect(config.database.kind === 'postgres' && new URL(config.database.url).hostname, 'FORMGATE_DATABASE_URL host').toBe('postgres');
    expect(config.protect, 'FORMGATE_PROTECT').toEqual({ forms: 'writes', documents: 'writes' });
    expect(config.auth.url, 'FORMGATE_AUTH_URL').toBe('http://auth:9000/validate');
  });

  it.each(['formgate-api', 'formgate-web'] as const)('lets %s listen beyond its loopback, as a container must', (service) => {
    expect(resolvedFormgate(service).host, `compose.yaml services.${service}: FORMGATE_HOST`).toBe('0.0.0.0');
  });

  it('gives the identity service values its own resolver accepts', () => {
    const config = resolvedAuthService();
    expect(config.host, 'AUTH_HOST (a container must listen beyond its loopback)').toBe('0.0.0.0');
    // Without it the issuer would be http://0.0.0.0:9000, the address listened on.
    expect(config.issuer, 'AUTH_ISSUER').toBeDefined();
  });

  it('gives each program files that are in its image: the forms, the users', () => {
    const wanted = [
      { spec: specOf('formgate-api'), what: 'the forms file', file: resolvedFormgate('formgate-api').formsPath },
      { spec: specOf('auth'), what: 'the users file', file: resolvedAuthService().usersPath },
    ];
    const problems = wanted.flatMap(({ spec, what, file }) =>
      copiedFromRepo(spec.image, file) !== undefined ? [] : [`compose.yaml services.${spec.service}: ${what} ${file} is not copied into ${spec.image.dockerfile}'s image`],
    );
    expect(problems).toEqual([]);
  });

  it('checks the health of every service, with tools its image has', () => {
    const problems: string[] = [];
    for (const service of Object.values(compose.services)) {
      if (service.healthcheck === undefined) {
        problems.push(`compose.yaml services.${service.name}: no healthcheck`);
        continue;
      }
      const built = SERVICES.some((spec) => spec.service === service.name);
      // node:*-slim has neither curl nor wget; Node's fetch does the probe.
      if (built && /\b(curl|wget)\b/.test(service.healthcheck.join(' '))) {
        problems.push(`compose.yaml services.${service.name}.healthcheck: the image has no curl or wget; use node -e "fetch(…)"`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('points the health check of each built service at the port it listens on', () => {
    const problems: string[] = [];
    for (const { service: name } of SERVICES) {
      const port = listenPort(name);
      const probed = urlsIn((serviceOf(name).healthcheck ?? []).join(' ')).map((u) => Number(u.port));
      if (!probed.includes(port)) problems.push(`compose.yaml services.${name}.healthcheck: probes port ${probed.join(', ') || 'none'}, the service listens on ${port}`);
    }
    expect(problems).toEqual([]);
  });

  it('publishes only ports that a service listens on, in the network namespace of the service that publishes them', () => {
    const problems: string[] = [];
    for (const service of Object.values(compose.services)) {
      const built = namespaceMembers(service.name);
      // Only the built services' ports are known here; the others (postgres, jaeger) are images of their own.
      if (built.length === 0) continue;
      const listening = new Map(built.map((name) => [listenPort(name), name]));
      for (const p of service.ports) {
        if (!listening.has(p.target)) problems.push(`compose.yaml services.${service.name}.ports ${p.text}: nothing listens on ${p.target} there (${built.join(', ')} listen on ${[...listening.keys()].join(', ')})`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('publishes the identity service (its sign-in pages and token endpoint) and the web client, not the API', () => {
    expect(portsReaching('auth'), 'compose.yaml: a port published for auth').not.toEqual([]);
    expect(portsReaching('formgate-web'), 'compose.yaml: a port published for formgate-web').not.toEqual([]);
    expect(portsReaching('formgate-api'), 'compose.yaml: formgate-api sits on the compose network only (#329)').toEqual([]);
  });

  it('waits only for services that exist, with conditions they can meet', () => {
    const conditions = ['service_started', 'service_healthy', 'service_completed_successfully'];
    const problems: string[] = [];
    for (const service of Object.values(compose.services)) {
      for (const [target, condition] of Object.entries(service.dependsOn)) {
        const where = `compose.yaml services.${service.name}.depends_on.${target}`;
        const other = compose.services[target];
        if (other === undefined) problems.push(`${where}: no such service`);
        else if (!conditions.includes(condition)) problems.push(`${where}: unknown condition ${condition}`);
        else if (condition === 'service_healthy' && other.healthcheck === undefined) problems.push(`${where}: service_healthy, but ${target} has no healthcheck`);
      }
      const owner = namespaceOwner(service);
      if (owner !== service.name && compose.services[owner] === undefined) problems.push(`compose.yaml services.${service.name}.network_mode: no service ${owner}`);
    }
    expect(problems).toEqual([]);
  });

  it('starts every service after the services its environment points at', () => {
    const problems: string[] = [];
    for (const service of Object.values(compose.services)) {
      for (const [key, value] of Object.entries(service.environment)) {
        for (const url of urlsIn(value ?? '')) {
          const host = url.hostname;
          if (host !== service.name && compose.services[host] !== undefined && service.dependsOn[host] === undefined) {
            problems.push(`compose.yaml services.${service.name}.environment.${key} points at ${host}, which is not in its depends_on`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('sends the traces of both Formgate services and the identity service to Jaeger over OTLP/HTTP, each under a name of its own', () => {
    const names = SERVICES.map(({ service }) => {
      expect(serviceOf(service).environment.OTEL_EXPORTER_OTLP_ENDPOINT, `compose.yaml services.${service}.environment.OTEL_EXPORTER_OTLP_ENDPOINT`).toBe('http://jaeger:4318');
      expect(serviceOf(service).environment.OTEL_SERVICE_NAME, `compose.yaml services.${service}.environment.OTEL_SERVICE_NAME`).toMatch(/\S/);
      return serviceOf(service).environment.OTEL_SERVICE_NAME;
    });
    // One trace across the three is only readable when Jaeger can tell them apart.
    expect(new Set(names).size, `OTEL_SERVICE_NAME: ${names.join(', ')}`).toBe(names.length);
  });

  it('publishes ports on 127.0.0.1 only: the web client, the identity service and the Jaeger UI', () => {
    const problems: string[] = [];
    for (const service of Object.values(compose.services)) {
      for (const p of service.ports) {
        if (p.hostIp !== '127.0.0.1') problems.push(`compose.yaml services.${service.name}.ports ${p.text}: publish on 127.0.0.1 only`);
      }
    }
    expect(problems).toEqual([]);
    expect(portsReaching('formgate-web').map((p) => p.target)).toContain(8080);
    expect(serviceOf('jaeger').ports.map((p) => p.target)).toContain(16686);
  });

  it('builds each built service from its package\'s Dockerfile, with the repository root (and its lock file) as context', () => {
    for (const spec of SERVICES) {
      const { dockerfile } = spec.image;
      const build = serviceOf(spec.service).build;
      expect(build, `compose.yaml services.${spec.service}.build`).toBeDefined();
      expect(path.resolve(ROOT, build!.context), `compose.yaml services.${spec.service}.build.context`).toBe(path.resolve(ROOT));
      expect(path.posix.normalize(build!.dockerfile), `compose.yaml services.${spec.service}.build.dockerfile`).toBe(dockerfile);
      expect(inRepo(path.join(build!.context, build!.dockerfile)), `${dockerfile} exists`).toBe(true);
    }
  });

  it('declares every named volume it mounts', () => {
    const problems: string[] = [];
    for (const service of Object.values(compose.services)) {
      for (const m of service.volumes) {
        const named = m.source !== undefined && !/^[./~]/.test(m.source);
        if (named && !compose.volumes.includes(m.source!)) problems.push(`compose.yaml services.${service.name}.volumes ${m.source}: not declared under volumes`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('declares every secret it mounts, as a file in the repository', () => {
    const problems: string[] = [];
    for (const service of Object.values(compose.services)) {
      for (const m of service.secrets) {
        const file = compose.secrets[m.source]?.file;
        if (file === undefined) problems.push(`compose.yaml services.${service.name}.secrets ${m.source}: not declared under secrets with a file`);
        else if (!inRepo(file)) problems.push(`compose.yaml secrets.${m.source}.file: ${file} is not in the repository`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('keeps the signing key on a named volume the identity service can write', () => {
    const spec = specOf('auth');
    const image = imageOf(spec.image);
    const keyFile = containerEnv(spec).AUTH_KEY_FILE;
    expect(keyFile, 'AUTH_KEY_FILE, in compose.yaml or the image').toBeDefined();
    const dir = path.posix.dirname(inImage(image, keyFile!));
    const mount = serviceOf('auth').volumes.find((m) => m.target === dir);
    expect(mount?.source, `compose.yaml services.auth.volumes: a named volume at ${dir}`).toBeDefined();
    expect(compose.volumes, 'compose.yaml volumes').toContain(mount!.source);
    // A new named volume takes the owner of the image's directory: the directory must belong to the user.
    const user = image.user?.value.split(':')[0] ?? 'root';
    const chown = image.stage.instructions.find((i) => i.keyword === 'RUN' && /\bchown\b/.test(i.args) && words(i.args).includes(dir) && i.args.includes(user));
    expect(chown, `${spec.image.dockerfile}: a RUN that gives ${dir} to ${user}`).toBeDefined();
  });
});
