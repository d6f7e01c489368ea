import { describe, expect, it } from 'vitest';
import { flagObject, scriptOf } from './argv.ts';
import { interpolate, parseCompose } from './compose-file.ts';
import { parseDockerIgnore } from './dockerignore.ts';
import { parseDockerfile } from './dockerfile.ts';
import { finalImage, locate } from './image.ts';
import { ROOT } from './services.ts';

/** The readers compose.test.ts and compose-split.test.ts rely on, on small inputs whose reading is known. */

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

  it('reads network_mode, depends_on restart, and secrets in both forms, mounted under /run/secrets', () => {
    const c = parseCompose(
      [
        'services:',
        '  a:',
        '    network_mode: service:b',
        '    secrets: [s, {source: t, target: other}, {source: u, target: /etc/u}]',
        '    depends_on: {b: {condition: service_healthy, restart: true}, c: {condition: service_started}}',
        '  b: {}',
        '  c: {depends_on: [b]}',
        'secrets:',
        '  s: {file: ./x/s}',
        '  t: {environment: T}',
      ].join('\n'),
    );
    expect(c.services.a!.networkMode).toBe('service:b');
    expect(c.services.b!.networkMode).toBeUndefined();
    expect(c.services.a!.restartsWith).toEqual(['b']);
    expect(c.services.c!.restartsWith).toEqual([]);
    expect(c.services.a!.secrets).toEqual([
      { source: 's', target: '/run/secrets/s' },
      { source: 't', target: '/run/secrets/other' },
      { source: 'u', target: '/etc/u' },
    ]);
    expect(c.secrets).toEqual({ s: { file: './x/s' }, t: {} });
  });
});
