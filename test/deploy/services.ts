import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  envName as authEnvName,
  resolveServeConfig as resolveAuthConfig,
  SERVE_OPTIONS as AUTH_SERVE_OPTIONS,
  type ServeConfig as AuthServeConfig,
} from '../../auth-service-example/src/config.ts';
import { envName, formatConfigError, resolveConfig, SERVE_OPTIONS, type Config } from '../../src/config/index.ts';
import { flagObject, scriptOf } from './argv.ts';
import { parseCompose, type Port, type Service } from './compose-file.ts';
import { parseDockerfile, type Dockerfile } from './dockerfile.ts';
import { finalImage, inImage, locate, type FinalImage } from './image.ts';

/**
 * compose.yaml and the two Dockerfiles, read once, and what each compose service runs: which image, which
 * program, with which environment and start command, and what that program's own resolver makes of them.
 * Shared by compose.test.ts (the file as a whole, the images) and compose-split.test.ts (the #329 split).
 */

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');
export const inRepo = (file: string): boolean => existsSync(path.join(ROOT, file));

export interface Program {
  readonly name: string;
  readonly envPrefix: string;
  readonly flags: readonly string[];
  envName(flag: string): string;
}

export const FORMGATE: Program = { name: 'Formgate', envPrefix: 'FORMGATE_', flags: Object.keys(SERVE_OPTIONS), envName };
export const AUTH_SERVICE: Program = {
  name: 'the example identity service',
  envPrefix: 'AUTH_',
  flags: Object.keys(AUTH_SERVE_OPTIONS),
  envName: authEnvName,
};
export const PROGRAMS = [FORMGATE, AUTH_SERVICE];

/** One image per package (DESIGN.md): compose runs Formgate's in two roles. */
export interface ImageSpec {
  readonly dockerfile: string;
  readonly program: Program;
  /** The package's folder in the repository, where its `npm run build` writes. */
  readonly packageDir: string;
  /** The npm ci option that installs this one package's dependencies from the workspace lock file. */
  readonly npmScope: string;
}

export interface ServiceSpec {
  readonly service: string;
  readonly image: ImageSpec;
  /** What this service's start command reads, relative to the image's working directory. */
  readonly needs: readonly string[];
}

const FORMGATE_IMAGE: ImageSpec = { dockerfile: 'Dockerfile', program: FORMGATE, packageDir: '.', npmScope: '--workspaces=false' };
const AUTH_IMAGE: ImageSpec = {
  dockerfile: 'auth-service-example/Dockerfile',
  program: AUTH_SERVICE,
  // Node finds the packages by walking up from the working directory /app/auth-service-example.
  packageDir: 'auth-service-example',
  npmScope: '--workspace=auth-service-example',
};
export const IMAGES: readonly ImageSpec[] = [FORMGATE_IMAGE, AUTH_IMAGE];

export const SERVICES: readonly ServiceSpec[] = [
  // The API migrates the database on start and reads the forms file.
  { service: 'formgate-api', image: FORMGATE_IMAGE, needs: ['dist/cli.js', 'dist/db/migrations', 'examples/forms.yaml', 'package.json', 'node_modules'] },
  // The web client alone reads neither: only the code, its stylesheet and the dependencies.
  { service: 'formgate-web', image: FORMGATE_IMAGE, needs: ['dist/cli.js', 'dist/web/assets/style.css', 'package.json', 'node_modules'] },
  { service: 'auth', image: AUTH_IMAGE, needs: ['dist/cli.js', 'users.example.yaml', 'package.json', '../node_modules'] },
];

export const compose = parseCompose(read('compose.yaml'));
export const dockerfiles: ReadonlyMap<string, Dockerfile> = new Map(IMAGES.map((spec) => [spec.dockerfile, parseDockerfile(read(spec.dockerfile))]));
const images = new Map(IMAGES.map((spec) => [spec.dockerfile, finalImage(dockerfiles.get(spec.dockerfile)!, ROOT)]));

export const imageOf = (spec: ImageSpec): FinalImage => images.get(spec.dockerfile)!;
export const specOf = (service: string): ServiceSpec => {
  const spec = SERVICES.find((s) => s.service === service);
  if (spec === undefined) throw new Error(`no ServiceSpec for ${service}`);
  return spec;
};
export const servicesOf = (image: ImageSpec): ServiceSpec[] => SERVICES.filter((s) => s.image === image);
export const serviceOf = (name: string): Service => {
  const s = compose.services[name];
  if (s === undefined) throw new Error(`compose.yaml has no service ${name}`);
  return s;
};

/** The container's environment: the image's ENV, then compose's `environment` over it. */
export function containerEnv(spec: ServiceSpec): Record<string, string | undefined> {
  const fromImage = Object.fromEntries([...imageOf(spec.image).env].map(([k, s]) => [k, s.value]));
  return { ...fromImage, ...serviceOf(spec.service).environment };
}

/** The process compose starts: its entrypoint and command, or the image's. */
export function startCommand(spec: ServiceSpec): { argv: readonly string[]; from: string } {
  const service = serviceOf(spec.service);
  const image = imageOf(spec.image);
  const entrypoint = service.entrypoint ?? image.entrypoint;
  // A compose entrypoint drops the image's CMD, as Docker does.
  const cmd = service.command ?? (service.entrypoint === undefined ? image.cmd : []);
  const from = service.command !== undefined || service.entrypoint !== undefined ? `compose.yaml services.${spec.service}` : spec.image.dockerfile;
  return { argv: [...entrypoint, ...cmd], from };
}

/** What Formgate's resolver makes of a Formgate service; throws the one-line error Formgate would stop with. */
export function resolvedFormgate(service: 'formgate-api' | 'formgate-web'): Config {
  const spec = specOf(service);
  const { args } = scriptOf(startCommand(spec).argv);
  const resolved = resolveConfig({ flags: flagObject(args), env: containerEnv(spec), defaultFormsPath: 'examples/forms.yaml' });
  if (!resolved.ok) throw new Error(`compose.yaml services.${service}: Formgate would not start: ${formatConfigError(resolved.error)}`);
  return resolved.value;
}

export function resolvedAuthService(): AuthServeConfig {
  const spec = specOf('auth');
  const { args } = scriptOf(startCommand(spec).argv);
  const resolved = resolveAuthConfig({ flags: flagObject(args), env: containerEnv(spec) });
  if (!resolved.ok) throw new Error(`compose.yaml services.auth: the service would not start: ${resolved.error.message}`);
  return resolved.value;
}

/** The port each built service listens on, as its own resolver reads it. */
export function listenPort(service: string): number {
  if (service === 'auth') return resolvedAuthService().port;
  if (service === 'formgate-api' || service === 'formgate-web') return resolvedFormgate(service).port;
  throw new Error(`no listen port known for ${service}`);
}

/** The service whose network namespace this one lives in: itself, or NAME of `network_mode: service:NAME`. */
export function namespaceOwner(service: Service): string {
  const shared = /^service:(.+)$/.exec(service.networkMode ?? '')?.[1];
  return shared ?? service.name;
}

/** The built services that live in a service's network namespace (its own, and those that joined it). */
export const namespaceMembers = (owner: string): string[] =>
  SERVICES.map((s) => s.service).filter((name) => compose.services[name] !== undefined && namespaceOwner(serviceOf(name)) === owner);

/** The published ports that lead to a built service: its namespace owner's, aimed at the port it listens on. */
export function portsReaching(service: string): Port[] {
  const port = listenPort(service);
  return serviceOf(namespaceOwner(serviceOf(service))).ports.filter((p) => p.target === port);
}

/** Where compose mounts a file of the repository at a container path (a `secrets:` file), if it does. */
export function mountedFile(service: string, containerPath: string): string | undefined {
  const mount = serviceOf(service).secrets.find((m) => m.target === containerPath);
  const file = mount === undefined ? undefined : compose.secrets[mount.source]?.file;
  return file === undefined ? undefined : path.posix.normalize(file);
}

/** The repository file an image path comes from, when a COPY from the build context puts it there. */
export function copiedFromRepo(spec: ImageSpec, file: string): string | undefined {
  const found = locate(imageOf(spec), inImage(imageOf(spec), file));
  if (found?.tree.origin.kind !== 'context') return undefined;
  const source = path.posix.join(found.tree.origin.path, found.rest);
  return inRepo(source) ? source : undefined;
}

export function urlsIn(text: string): URL[] {
  return [...text.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^\s'"`)]+/gi)].flatMap((m) => {
    try {
      return [new URL(m[0])];
    } catch {
      return [];
    }
  });
}
