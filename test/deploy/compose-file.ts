import { parse } from 'yaml';
import { z } from 'zod';
import { words } from './dockerfile.ts';

/**
 * compose.yaml read the way `docker compose` reads it, as far as the checks need: variables interpolated
 * (`${VAR:-default}` with an empty environment, so the defaults are what gets checked), and the short and
 * long forms of environment, ports, volumes, secrets, depends_on and health checks brought to one shape each.
 */

export interface Port {
  readonly hostIp?: string;
  readonly published?: string;
  readonly target: number;
  /** As written, for messages. */
  readonly text: string;
}

export interface Mount {
  readonly source?: string;
  readonly target: string;
}

/** A secret a service mounts: the top-level secret's name, and where it lands in the container. */
export interface SecretMount {
  readonly source: string;
  readonly target: string;
}

export interface Service {
  readonly name: string;
  readonly image?: string;
  readonly build?: { readonly context: string; readonly dockerfile: string };
  readonly entrypoint?: readonly string[];
  readonly command?: readonly string[];
  /** `undefined` values (`KEY:` with nothing) are taken from the host by compose; none is set here. */
  readonly environment: Readonly<Record<string, string | undefined>>;
  readonly ports: readonly Port[];
  readonly volumes: readonly Mount[];
  /** The test command, e.g. ["CMD", "pg_isready"]; absent when there is none or it is disabled. */
  readonly healthcheck?: readonly string[];
  readonly dependsOn: Readonly<Record<string, string>>;
  /** The services in depends_on with `restart: true`: compose restarts this one after restarting them. */
  readonly restartsWith: readonly string[];
  /** `network_mode` as written: `service:NAME` shares that service's network namespace. */
  readonly networkMode?: string;
  readonly secrets: readonly SecretMount[];
}

export interface ComposeFile {
  readonly services: Readonly<Record<string, Service>>;
  readonly volumes: readonly string[];
  /** The top-level secrets; `file` is relative to the compose file's folder. */
  readonly secrets: Readonly<Record<string, { readonly file?: string }>>;
}

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const stringOrList = z.union([z.string(), z.array(z.string())]);

const serviceSchema = z.object({
  image: z.string().optional(),
  build: z.union([z.string(), z.object({ context: z.string().default('.'), dockerfile: z.string().default('Dockerfile') })]).optional(),
  entrypoint: stringOrList.optional(),
  command: stringOrList.optional(),
  environment: z.union([z.record(z.string(), scalar), z.array(z.string())]).optional(),
  ports: z
    .array(z.union([z.string(), z.number(), z.object({ target: z.coerce.number(), published: z.coerce.string().optional(), host_ip: z.string().optional() })]))
    .optional(),
  volumes: z.array(z.union([z.string(), z.object({ source: z.string().optional(), target: z.string() })])).optional(),
  healthcheck: z.object({ test: stringOrList.optional(), disable: z.boolean().optional() }).optional(),
  depends_on: z
    .union([
      z.array(z.string()),
      z.record(z.string(), z.object({ condition: z.string().default('service_started'), restart: z.boolean().optional() }).nullable()),
    ])
    .optional(),
  network_mode: z.string().optional(),
  secrets: z.array(z.union([z.string(), z.object({ source: z.string(), target: z.string().optional() })])).optional(),
});

const composeSchema = z.object({
  services: z.record(z.string(), serviceSchema),
  volumes: z.record(z.string(), z.unknown()).optional(),
  secrets: z.record(z.string(), z.object({ file: z.string().optional() })).optional(),
});

export function parseCompose(text: string): ComposeFile {
  const raw = composeSchema.parse(interpolateAll(parse(text)));
  const services = Object.fromEntries(Object.entries(raw.services).map(([name, s]) => [name, service(name, s)]));
  const secrets = Object.fromEntries(Object.entries(raw.secrets ?? {}).map(([name, d]) => [name, d.file === undefined ? {} : { file: d.file }]));
  return { services, volumes: Object.keys(raw.volumes ?? {}), secrets };
}

function service(name: string, s: z.infer<typeof serviceSchema>): Service {
  const build = typeof s.build === 'string' ? { context: s.build, dockerfile: 'Dockerfile' } : s.build;
  return {
    name,
    ...(s.image === undefined ? {} : { image: s.image }),
    ...(build === undefined ? {} : { build }),
    ...(s.entrypoint === undefined ? {} : { entrypoint: argv(s.entrypoint) }),
    ...(s.command === undefined ? {} : { command: argv(s.command) }),
    environment: environment(s.environment),
    ports: (s.ports ?? []).map(port),
    volumes: (s.volumes ?? []).map(mount),
    ...healthcheck(s.healthcheck),
    dependsOn: Array.isArray(s.depends_on)
      ? Object.fromEntries(s.depends_on.map((d) => [d, 'service_started']))
      : Object.fromEntries(Object.entries(s.depends_on ?? {}).map(([d, c]) => [d, c?.condition ?? 'service_started'])),
    restartsWith: Array.isArray(s.depends_on) ? [] : Object.entries(s.depends_on ?? {}).flatMap(([d, c]) => (c?.restart === true ? [d] : [])),
    ...(s.network_mode === undefined ? {} : { networkMode: s.network_mode }),
    secrets: (s.secrets ?? []).map(secretMount),
  };
}

/** Compose mounts a secret at /run/secrets/<target>, the target defaulting to the secret's name. */
function secretMount(v: string | { source: string; target?: string }): SecretMount {
  const { source, target = source } = typeof v === 'string' ? { source: v } : v;
  return { source, target: target.startsWith('/') ? target : `/run/secrets/${target}` };
}

function argv(v: string | string[]): string[] {
  return typeof v === 'string' ? words(v) : v;
}

function environment(env: Record<string, z.infer<typeof scalar>> | string[] | undefined): Record<string, string | undefined> {
  if (env === undefined) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((kv) => (kv.includes('=') ? [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] : [kv, undefined])));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? undefined : String(v)]));
}

function port(p: string | number | { target: number; published?: string; host_ip?: string }): Port {
  if (typeof p === 'object') {
    const text = JSON.stringify(p);
    return { target: p.target, text, ...(p.host_ip === undefined ? {} : { hostIp: p.host_ip }), ...(p.published === undefined ? {} : { published: p.published }) };
  }
  const text = String(p);
  // [HOST_IP:][PUBLISHED:]TARGET[/PROTOCOL]; an IPv6 host address comes in brackets.
  const m = /^(?:(\[[^\]]*\]|[^:]*):)??(?:([^:]*):)?([0-9]+)(?:\/\w+)?$/.exec(text);
  if (m === null) throw new Error(`port ${JSON.stringify(text)}: not understood`);
  return { target: Number(m[3]), text, ...(m[1] === undefined ? {} : { hostIp: m[1] }), ...(m[2] === undefined ? {} : { published: m[2] }) };
}

function mount(v: string | { source?: string; target: string }): Mount {
  if (typeof v === 'object') return v.source === undefined ? { target: v.target } : { source: v.source, target: v.target };
  const [a = '', b] = v.split(':');
  return b === undefined ? { target: a } : { source: a, target: b };
}

function healthcheck(h: { test?: string | string[]; disable?: boolean } | undefined): { healthcheck?: string[] } {
  if (h === undefined || h.disable === true || h.test === undefined) return {};
  const test = typeof h.test === 'string' ? ['CMD-SHELL', h.test] : h.test;
  return test[0] === 'NONE' || test.length < 2 ? {} : { healthcheck: test };
}

/** Compose interpolates every string value; `$$` is a literal `$`. No variable is set here. */
function interpolateAll(v: unknown): unknown {
  if (typeof v === 'string') return interpolate(v);
  if (Array.isArray(v)) return v.map(interpolateAll);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, interpolateAll(x)]));
  return v;
}

export function interpolate(s: string): string {
  return s.replace(/\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])((?:[^}])*))?\}|[A-Za-z_][A-Za-z0-9_]*)/g, (whole, inner: string, _name, op?: string, arg?: string) => {
    if (inner === '$') return '$';
    if (op === undefined) return ''; // an unset variable becomes empty, as compose does (with a warning)
    if (op.endsWith('?')) throw new Error(`${whole}: requires a variable the checks do not set`);
    return arg ?? '';
  });
}
