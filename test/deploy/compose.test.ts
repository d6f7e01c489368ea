import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  envName as authEnvName,
  resolveServeConfig as resolveAuthConfig,
  SERVE_OPTIONS as AUTH_SERVE_OPTIONS,
  type ServeConfig as AuthServeConfig,
} from '../../auth-service-example/src/config.ts';
import { envName, formatConfigError, resolveConfig, SERVE_OPTIONS, type Config } from '../../src/config/index.ts';
import { flagObject, flagsIn, scriptOf } from './argv.ts';
import { interpolate, parseCompose, type Service } from './compose-file.ts';
import { parseDockerIgnore } from './dockerignore.ts';
import { parseDockerfile, where, words, type Instruction, type Stage } from './dockerfile.ts';
import { buildPlan, buildWrites, builtPath, type BuildPlan } from './build-output.ts';
import { contextFiles, describeStage, finalImage, inImage, locate, type CopiedTree, type FinalImage } from './image.ts';

/**
 * Docker cannot run here, so this reads compose.yaml, both Dockerfiles and .dockerignore and checks them
 * against the programs they start: every variable and flag is one the program knows, the values pass the
 * program's own configuration resolver, and each image copies what its start command needs.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');
const inRepo = (file: string): boolean => existsSync(path.join(ROOT, file));

interface Program {
  readonly name: string;
  readonly envPrefix: string;
  readonly flags: readonly string[];
  envName(flag: string): string;
}

const FORMGATE: Program = { name: 'Formgate', envPrefix: 'FORMGATE_', flags: Object.keys(SERVE_OPTIONS), envName };
const AUTH_SERVICE: Program = {
  name: 'the example identity service',
  envPrefix: 'AUTH_',
  flags: Object.keys(AUTH_SERVE_OPTIONS),
  envName: authEnvName,
};
const PROGRAMS = [FORMGATE, AUTH_SERVICE];

interface ImageSpec {
  readonly service: string;
  readonly dockerfile: string;
  readonly program: Program;
  /** The package's folder in the repository, where its `npm run build` writes. */
  readonly packageDir: string;
  /** What the start command reads, relative to the image's working directory. */
  readonly needs: readonly string[];
  /** The npm ci option that installs this one package's dependencies from the workspace lock file. */
  readonly npmScope: string;
}

const IMAGES: readonly ImageSpec[] = [
  {
    service: 'formgate',
    dockerfile: 'Dockerfile',
    program: FORMGATE,
    packageDir: '.',
    needs: ['dist/cli.js', 'dist/db/migrations', 'examples/forms.yaml', 'package.json', 'node_modules'],
    npmScope: '--workspaces=false',
  },
  {
    service: 'auth',
    dockerfile: 'auth-service-example/Dockerfile',
    program: AUTH_SERVICE,
    // Node finds the packages by walking up from the working directory /app/auth-service-example.
    packageDir: 'auth-service-example',
    needs: ['dist/cli.js', 'users.example.yaml', 'package.json', '../node_modules'],
    npmScope: '--workspace=auth-service-example',
  },
];

const compose = parseCompose(read('compose.yaml'));
const ignore = parseDockerIgnore(read('.dockerignore'));
const dockerfiles = new Map(IMAGES.map((spec) => [spec.dockerfile, parseDockerfile(read(spec.dockerfile))]));
const images = new Map(IMAGES.map((spec) => [spec.service, finalImage(dockerfiles.get(spec.dockerfile)!, ROOT)]));

const serviceOf = (name: string): Service => {
  const s = compose.services[name];
  if (s === undefined) throw new Error(`compose.yaml has no service ${name}`);
  return s;
};
const imageOf = (spec: ImageSpec): FinalImage => images.get(spec.service)!;
const specOf = (service: string): ImageSpec => IMAGES.find((s) => s.service === service)!;
const at = (spec: ImageSpec, ins: Instruction): string => `${spec.dockerfile} ${where(ins)}`;

/** The container's environment: the image's ENV, then compose's `environment` over it. */
function containerEnv(spec: ImageSpec): Record<string, string | undefined> {
  const fromImage = Object.fromEntries([...imageOf(spec).env].map(([k, s]) => [k, s.value]));
  return { ...fromImage, ...serviceOf(spec.service).environment };
}

/** The process compose starts: its entrypoint and command, or the image's. */
function startCommand(spec: ImageSpec): { argv: readonly string[]; from: string } {
  const service = serviceOf(spec.service);
  const image = imageOf(spec);
  const entrypoint = service.entrypoint ?? image.entrypoint;
  // A compose entrypoint drops the image's CMD, as Docker does.
  const cmd = service.command ?? (service.entrypoint === undefined ? image.cmd : []);
  const from = service.command !== undefined || service.entrypoint !== undefined ? `compose.yaml services.${spec.service}` : spec.dockerfile;
  return { argv: [...entrypoint, ...cmd], from };
}

function resolvedFormgate(): Config {
  const spec = specOf('formgate');
  const { args } = scriptOf(startCommand(spec).argv);
  const resolved = resolveConfig({ flags: flagObject(args), env: containerEnv(spec), defaultFormsPath: 'examples/forms.yaml' });
  if (!resolved.ok) throw new Error(`compose.yaml services.formgate: Formgate would not start: ${formatConfigError(resolved.error)}`);
  return resolved.value;
}

function resolvedAuthService(): AuthServeConfig {
  const spec = specOf('auth');
  const { args } = scriptOf(startCommand(spec).argv);
  const resolved = resolveAuthConfig({ flags: flagObject(args), env: containerEnv(spec) });
  if (!resolved.ok) throw new Error(`compose.yaml services.auth: the service would not start: ${resolved.error.message}`);
  return resolved.value;
}

function urlsIn(text: string): URL[] {
  return [...text.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^\s'"`)]+/gi)].flatMap((m) => {
    try {
      return [new URL(m[0])];
    } catch {
      return [];
    }
  });
}

function runsNpmCi(stage: Stage): Instruction | undefined {
  return stage.instructions.find((i) => i.keyword === 'RUN' && /\bnpm\s+ci\b/.test(i.args));
}

const plans = new Map(IMAGES.map((spec) => [spec.service, buildPlan(ROOT, spec.packageDir)]));
const planOf = (spec: ImageSpec): BuildPlan => plans.get(spec.service)!;
const builtIn = (spec: ImageSpec, tree: CopiedTree, rest: string): string | undefined =>
  builtPath(dockerfiles.get(spec.dockerfile)!, planOf(spec), ROOT, tree, rest);

/** The stage whose node_modules the final stage copies. */
function dependencyStage(spec: ImageSpec): Stage | undefined {
  const image = imageOf(spec);
  const tree = locate(image, inImage(image, spec.needs.find((n) => path.posix.basename(n) === 'node_modules')!))?.tree;
  const origin = tree?.origin;
  return origin?.kind === 'stage' ? dockerfiles.get(spec.dockerfile)!.stages.find((s) => s.name === origin.stage) : undefined;
}

// -----------------------------------------------------------------------------------------------------

describe('compose.yaml', () => {
  it('has the four services: postgres, auth, formgate and jaeger', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['auth', 'formgate', 'jaeger', 'postgres']);
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
    for (const spec of IMAGES) {
      const { argv, from } = startCommand(spec);
      const { script, args } = scriptOf(argv);
      if (script === undefined) problems.push(`${from}: the start command ${JSON.stringify(argv)} does not run a script with node`);
      for (const { name } of flagsIn(args)) {
        if (!spec.program.flags.includes(name)) problems.push(`${from}: --${name} is not a flag of ${spec.program.name}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('gives Formgate values its own resolver accepts: PostgreSQL, writes protected, the identity service', () => {
    const config = resolvedFormgate();
    expect(config.database.kind, 'FORMGATE_DATABASE_URL').toBe('postgres');
    expect(config.database.kind === 'postgres' && new URL(config.database.url).hostname, 'FORMGATE_DATABASE_URL host').toBe('postgres');
    expect(config.protect, 'FORMGATE_PROTECT').toEqual({ forms: 'writes', documents: 'writes' });
    expect(config.auth.url, 'FORMGATE_AUTH_URL').toBe('http://auth:9000/validate');
    expect(config.host, 'FORMGATE_HOST (a container must listen beyond its loopback)').toBe('0.0.0.0');
  });

  it('gives the identity service values its own resolver accepts', () => {
    const config = resolvedAuthService();
    expect(config.host, 'AUTH_HOST (a container must listen beyond its loopback)').toBe('0.0.0.0');
    // Without it the issuer would be http://0.0.0.0:9000, the address listened on.
    expect(config.issuer, 'AUTH_ISSUER').toBeDefined();
  });

  it('gives each program files that are in its image: the forms, the users', () => {
    const wanted = [
      { spec: specOf('formgate'), what: 'the forms file', file: resolvedFormgate().formsPath },
      { spec: specOf('auth'), what: 'the users file', file: resolvedAuthService().usersPath },
    ];
    const problems = wanted.flatMap(({ spec, what, file }) => {
      const found = locate(imageOf(spec), inImage(imageOf(spec), file));
      const ok = found?.tree.origin.kind === 'context' && inRepo(path.join(found.tree.origin.path, found.rest));
      return ok ? [] : [`compose.yaml services.${spec.service}: ${what} ${file} is not copied into ${spec.dockerfile}'s image`];
    });
    expect(problems).toEqual([]);
  });

  it('checks the health of every service, with tools its image has', () => {
    const problems: string[] = [];
    for (const service of Object.values(compose.services)) {
      if (service.healthcheck === undefined) {
        problems.push(`compose.yaml services.${service.name}: no healthcheck`);
        continue;
      }
      const built = IMAGES.some((spec) => spec.service === service.name);
      // node:*-slim has neither curl nor wget; Node's fetch does the probe.
      if (built && /\b(curl|wget)\b/.test(service.healthcheck.join(' '))) {
        problems.push(`compose.yaml services.${service.name}.healthcheck: the image has no curl or wget; use node -e "fetch(…)"`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('points the health checks of Formgate and the identity service at the port each listens on and publishes', () => {
    const problems: string[] = [];
    const listens = { formgate: resolvedFormgate().port, auth: resolvedAuthService().port };
    for (const [name, port] of Object.entries(listens)) {
      const service = serviceOf(name);
      const probed = urlsIn((service.healthcheck ?? []).join(' ')).map((u) => Number(u.port));
      if (!probed.includes(port)) problems.push(`compose.yaml services.${name}.healthcheck: probes port ${probed.join(', ') || 'none'}, the service listens on ${port}`);
      if (!service.ports.some((p) => p.target === port)) problems.push(`compose.yaml services.${name}.ports: does not publish port ${port}`);
    }
    expect(problems).toEqual([]);
  });

  it('starts Formgate once PostgreSQL and the identity service are healthy', () => {
    expect(serviceOf('formgate').dependsOn).toMatchObject({ postgres: 'service_healthy', auth: 'service_healthy' });
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

  it('sends the traces of Formgate and the identity service to Jaeger over OTLP/HTTP', () => {
    for (const name of ['formgate', 'auth']) {
      expect(serviceOf(name).environment.OTEL_EXPORTER_OTLP_ENDPOINT, `compose.yaml services.${name}.environment.OTEL_EXPORTER_OTLP_ENDPOINT`).toBe('http://jaeger:4318');
      expect(serviceOf(name).environment.OTEL_SERVICE_NAME, `compose.yaml services.${name}.environment.OTEL_SERVICE_NAME`).toMatch(/\S/);
    }
  });

  it('publishes ports on 127.0.0.1 only: the API, the identity service and the Jaeger UI', () => {
    const problems: string[] = [];
    for (const service of Object.values(compose.services)) {
      for (const p of service.ports) {
        if (p.hostIp !== '127.0.0.1') problems.push(`compose.yaml services.${service.name}.ports ${p.text}: publish on 127.0.0.1 only`);
      }
    }
    expect(problems).toEqual([]);
    expect(serviceOf('formgate').ports.map((p) => p.target)).toContain(8080);
    expect(serviceOf('jaeger').ports.map((p) => p.target)).toContain(16686);
  });

  it('builds formgate and auth from their Dockerfiles, with the repository root (and its lock file) as context', () => {
    for (const spec of IMAGES) {
      const build = serviceOf(spec.service).build;
      expect(build, `compose.yaml services.${spec.service}.build`).toBeDefined();
      expect(path.resolve(ROOT, build!.context), `compose.yaml services.${spec.service}.build.context`).toBe(path.resolve(ROOT));
      expect(path.posix.normalize(build!.dockerfile), `compose.yaml services.${spec.service}.build.dockerfile`).toBe(spec.dockerfile);
      expect(inRepo(path.join(build!.context, build!.dockerfile)), `${spec.dockerfile} exists`).toBe(true);
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

  it('keeps the signing key on a named volume the identity service can write', () => {
    const spec = specOf('auth');
    const image = imageOf(spec);
    const keyFile = containerEnv(spec).AUTH_KEY_FILE;
    expect(keyFile, 'AUTH_KEY_FILE, in compose.yaml or the image').toBeDefined();
    const dir = path.posix.dirname(inImage(image, keyFile!));
    const mount = serviceOf('auth').volumes.find((m) => m.target === dir);
    expect(mount?.source, `compose.yaml services.auth.volumes: a named volume at ${dir}`).toBeDefined();
    expect(compose.volumes, 'compose.yaml volumes').toContain(mount!.source);
    // A new named volume takes the owner of the image's directory: the directory must belong to the user.
    const user = image.user?.value.split(':')[0] ?? 'root';
    const chown = image.stage.instructions.find((i) => i.keyword === 'RUN' && /\bchown\b/.test(i.args) && words(i.args).includes(dir) && i.args.includes(user));
    expect(chown, `${spec.dockerfile}: a RUN that gives ${dir} to ${user}`).toBeDefined();
  });
});

describe.each(IMAGES.map((spec) => [spec.dockerfile, spec] as const))('%s', (_dockerfile, spec) => {
  const dockerfile = dockerfiles.get(spec.dockerfile)!;
  const image = imageOf(spec);

  it('is multi-stage, every stage on the same Node 22 image', () => {
    expect(dockerfile.stages.length, `${spec.dockerfile}: FROM lines`).toBeGreaterThanOrEqual(2);
    // Native packages (@node-rs/argon2, esbuild) are picked for the platform npm ci runs on.
    const bases = new Set(dockerfile.stages.map((s) => s.base));
    expect([...bases], `${spec.dockerfile}: the FROM images`).toHaveLength(1);
    expect(image.stage.base, `${spec.dockerfile} line ${image.stage.line}: DESIGN.md says images use Node 22`).toMatch(/^node:22([.-]|$)/);
  });

  it(`installs production dependencies of this package alone: npm ci --omit=dev ${spec.npmScope}`, () => {
    // The stage the image takes node_modules from; the build stage installs the dev dependencies too.
    const stage = dependencyStage(spec);
    const run = stage && runsNpmCi(stage);
    expect(run, `${spec.dockerfile}: a RUN with npm ci in the stage the image copies node_modules from`).toBeDefined();
    const options = words(run!.args);
    expect(options, at(spec, run!)).toContain('--omit=dev');
    expect(options, at(spec, run!)).toContain(spec.npmScope);
    // npm ci installs exactly what the lock file says: both manifests must be there when it runs.
    const beforeRun = describeStage({ ...stage!, instructions: stage!.instructions.filter((i) => i.line < run!.line) }, ROOT);
    const workdir = beforeRun.workdir;
    for (const manifest of ['package.json', 'package-lock.json', 'auth-service-example/package.json']) {
      const placed = beforeRun.copies.some(
        (c) => c.origin.kind === 'context' && c.origin.path === manifest && c.container === path.posix.join(workdir, manifest),
      );
      expect(placed, `${spec.dockerfile}: COPY ${manifest} to ${path.posix.join(workdir, manifest)} before ${where(run!)}`).toBe(true);
    }
  });

  it('runs as a user other than root, in production mode', () => {
    expect(image.user, `${spec.dockerfile}: the final stage (line ${image.stage.line}) needs a USER`).toBeDefined();
    expect(image.user!.value, at(spec, image.user!.ins)).not.toMatch(/^(root|0)(:|$)/);
    expect(image.env.get('NODE_ENV')?.value, `${spec.dockerfile}: ENV NODE_ENV`).toBe('production');
  });

  it('runs a script that npm run build writes, copied from the build stage', () => {
    const { script } = scriptOf([...image.entrypoint, ...image.cmd]);
    expect(script, `${spec.dockerfile}: ENTRYPOINT/CMD ${JSON.stringify([...image.entrypoint, ...image.cmd])} runs no script with node`).toBeDefined();
    const found = locate(image, inImage(image, script!));
    const built = found && builtIn(spec, found.tree, found.rest);
    expect(built, `${spec.dockerfile}: ${script} is not copied from the build's output (a stage that runs npm run build)`).toBeDefined();
    const plan = planOf(spec);
    expect(plan.outputs.get(built!), `${spec.dockerfile}: ${script} is ${built} in ${path.posix.join(plan.packageDir, plan.outDir)}, which npm run build does not write`).toMatch(/\.ts$/);
  });

  it('copies every path the start command needs, from sources in the repository', () => {
    const problems: string[] = [];
    for (const need of spec.needs) {
      const found = locate(image, inImage(image, need));
      if (found === undefined) {
        problems.push(`${spec.dockerfile}: nothing copies ${need} into ${image.workdir}`);
        continue;
      }
      const { tree, rest } = found;
      if (tree.origin.kind === 'context') {
        const source = path.posix.join(tree.origin.path, rest);
        // A missing COPY source is reported once, below.
        if (inRepo(tree.origin.path) && !inRepo(source)) problems.push(`${at(spec, tree.ins)}: ${need} would come from ${source}, which is not in the repository`);
        continue;
      }
      // From another stage: the build's output, or the node_modules of the stage that ran npm ci.
      const built = builtIn(spec, tree, rest);
      if (built !== undefined) {
        if (!buildWrites(planOf(spec), built)) problems.push(`${at(spec, tree.ins)}: ${need} would be ${built} of the build's output, which npm run build does not write`);
        continue;
      }
      const { stage: stageName, path: fromPath } = tree.origin;
      const stage = dockerfile.stages.find((s) => s.name === stageName);
      if (stage === undefined || runsNpmCi(stage) === undefined || fromPath !== path.posix.join(describeStage(stage, ROOT).workdir, 'node_modules')) {
        problems.push(`${at(spec, tree.ins)}: ${need} must come from the build's output or the node_modules of the stage that runs npm ci`);
      }
    }
    for (const copy of image.copies) {
      if (copy.origin.kind === 'context' && !inRepo(copy.origin.path)) problems.push(`${at(spec, copy.ins)}: ${copy.origin.path} is not in the repository`);
    }
    expect(problems).toEqual([]);
  });

  it('exposes the port compose publishes', () => {
    for (const p of serviceOf(spec.service).ports) expect(image.exposed, `${spec.dockerfile}: EXPOSE ${p.target}`).toContain(p.target);
  });
});

describe('.dockerignore', () => {
  it('lets through everything the Dockerfiles copy from the context', () => {
    const problems: string[] = [];
    for (const spec of IMAGES) {
      for (const stage of dockerfiles.get(spec.dockerfile)!.stages) {
        for (const copy of describeStage(stage, ROOT).copies) {
          if (copy.origin.kind !== 'context' || !inRepo(copy.origin.path)) continue;
          for (const file of contextFiles(ROOT, copy.origin.path)) {
            const pattern = ignore.excludedBy(file);
            if (pattern !== undefined) problems.push(`.dockerignore ${pattern} leaves out ${file}, which ${at(spec, copy.ins)} needs`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('keeps dependencies, local data, keys, version control, scratch files and tests out of the context', () => {
    const mustStayOut = [
      'node_modules/hono/package.json',
      'auth-service-example/node_modules/x/package.json',
      '.git/HEAD',
      '.formgate/data/PG_VERSION',
      'auth-service-example/.formgate/signing-key.json',
      'auth-service-example/signing-key.json',
      'auth-service-example/users.yaml',
      '.scratch/notes.md',
      'coverage/index.html',
      'test/config.test.ts',
      'auth-service-example/test/app.test.ts',
      '.env',
    ];
    expect(mustStayOut.filter((p) => ignore.excludedBy(p) === undefined), 'let through by .dockerignore').toEqual([]);
  });
});

// -----------------------------------------------------------------------------------------------------

describe('the readers these checks rely on', () => {
  it('reads Dockerfile continuations, comments, stages and exec form', () => {
    const df = parseDockerfile(
      ['# syntax=docker/dockerfile:1', 'FROM node:22-slim AS deps', 'RUN npm ci \\', '  # a comment inside', '    --omit=dev', 'FROM node:22-slim', 'CMD ["serve"]'].join('\n'),
    );
    expect(df.stages.map((s) => [s.base, s.name])).toEqual([['node:22-slim', 'deps'], ['node:22-slim', undefined]]);
    expect(df.stages[0]!.instructions).toEqual([{ keyword: 'RUN', args: 'npm ci --omit=dev', line: 3 }]);
    expect(finalImage(df, ROOT).cmd).toEqual(['serve']);
  });

  it('places COPY sources as Docker does: directory contents into DEST, files into DEST/', () => {
    const df = parseDockerfile(['FROM x', 'WORKDIR /app', 'COPY src/ ./code/', 'COPY package.json tsconfig.json ./', 'COPY examples/forms.yaml ./ex/', 'COPY --from=deps /app/node_modules ./node_modules'].join('\n'));
    const image = finalImage(df, ROOT);
    expect(image.copies.map((c) => [c.container, c.origin])).toEqual([
      ['/app/code', { kind: 'context', path: 'src' }],
      ['/app/package.json', { kind: 'context', path: 'package.json' }],
      ['/app/tsconfig.json', { kind: 'context', path: 'tsconfig.json' }],
      ['/app/ex/forms.yaml', { kind: 'context', path: 'examples/forms.yaml' }],
      ['/app/node_modules', { kind: 'stage', stage: 'deps', path: '/app/node_modules' }],
    ]);
    expect(locate(image, '/app/code/cli.ts')?.rest).toBe('cli.ts');
    expect(locate(image, '/app/src/cli.ts')).toBeUndefined();
  });

  it('reads ENV in both forms', () => {
    const { env } = finalImage(parseDockerfile('FROM x\nENV A=1 \\\n  B="two words"\nENV C three words'), ROOT);
    expect(Object.fromEntries([...env].map(([k, v]) => [k, v.value]))).toEqual({ A: '1', B: 'two words', C: 'three words' });
  });

  it('matches .dockerignore patterns from the root, across directories with **, with ! exceptions', () => {
    const di = parseDockerIgnore('# c\nnode_modules\n**/*.log\n/docs/*.md\n!docs/keep.md\n');
    expect(di.excludedBy('node_modules/a/b.js')).toBe('node_modules');
    expect(di.excludedBy('pkg/node_modules/a.js')).toBeUndefined();
    expect(di.excludedBy('x.log')).toBe('**/*.log');
    expect(di.excludedBy('a/b/x.log')).toBe('**/*.log');
    expect(di.excludedBy('docs/drop.md')).toBe('docs/*.md');
    expect(di.excludedBy('docs/keep.md')).toBeUndefined();
    expect(di.excludedBy('docs/sub/x.md')).toBeUndefined();
  });

  it('finds the script node runs and the flags it is given, a repeated flag as a list', () => {
    const { script, args } = scriptOf(['node', '--enable-source-maps', 'bin/x.js', 'serve', '--protect', 'writes', '--port=8080', '--protect', 'forms=all', '--no-color']);
    expect(script).toBe('bin/x.js');
    expect(flagObject(args)).toEqual({ protect: ['writes', 'forms=all'], port: '8080', color: false });
    expect(scriptOf(['/bin/sh', '-c', 'node x.js']).script).toBeUndefined();
  });

  it('interpolates compose variables with their defaults, and $$ as $', () => {
    expect(interpolate('postgres://u:${PW:-dev}@db/x')).toBe('postgres://u:dev@db/x');
    expect(interpolate('${UNSET}-$ALSO_UNSET-$$HOME')).toBe('--$HOME');
    expect(() => interpolate('${NEEDED:?set it}')).toThrow(/NEEDED/);
  });

  it('reads the short and long forms of compose ports, environment and depends_on', () => {
    const c = parseCompose(
      [
        'services:',
        '  a:',
        '    ports: ["127.0.0.1:8080:80", "9000:9000", "53/udp", {target: 5432, published: "5433", host_ip: 127.0.0.1}]',
        '    environment: [X=1, "Y=a=b", Z]',
        '    depends_on: [b]',
        '    healthcheck: {test: "true"}',
        '  b:',
        '    environment: {N: 8080, E: null}',
        '    depends_on: {a: {condition: service_healthy}}',
        '    healthcheck: {test: [NONE]}',
      ].join('\n'),
    );
    expect(c.services.a!.ports.map((p) => [p.hostIp, p.published, p.target])).toEqual([
      ['127.0.0.1', '8080', 80],
      [undefined, '9000', 9000],
      [undefined, undefined, 53],
      ['127.0.0.1', '5433', 5432],
    ]);
    expect(c.services.a!.environment).toEqual({ X: '1', Y: 'a=b', Z: undefined });
    expect(c.services.b!.environment).toEqual({ N: '8080', E: undefined });
    expect(c.services.a!.dependsOn).toEqual({ b: 'service_started' });
    expect(c.services.b!.dependsOn).toEqual({ a: 'service_healthy' });
    expect(c.services.a!.healthcheck).toEqual(['CMD-SHELL', 'true']);
    expect(c.services.b!.healthcheck).toBeUndefined();
  });
});
