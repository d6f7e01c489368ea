import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scriptOf } from './argv.ts';
import { buildPlan, buildWrites, builtPath, type BuildPlan } from './build-output.ts';
import { parseDockerIgnore } from './dockerignore.ts';
import { where, words, type Instruction, type Stage } from './dockerfile.ts';
import { contextFiles, describeStage, inImage, locate, type CopiedTree } from './image.ts';
import { dockerfiles, IMAGES, imageOf, inRepo, portsReaching, read, ROOT, servicesOf, type ImageSpec } from './services.ts';

/**
 * Both Dockerfiles and .dockerignore, read and held against the programs the images start (Docker cannot
 * run here): multi-stage, non-root, production dependencies alone, and every path each compose service's
 * start command needs copied from the build's output or the repository. compiled.test.ts runs the build.
 */

const ignore = parseDockerIgnore(read('.dockerignore'));
const at = (spec: ImageSpec, ins: Instruction): string => `${spec.dockerfile} ${where(ins)}`;

function runsNpmCi(stage: Stage): Instruction | undefined {
  return stage.instructions.find((i) => i.keyword === 'RUN' && /\bnpm\s+ci\b/.test(i.args));
}

const plans = new Map(IMAGES.map((spec) => [spec.dockerfile, buildPlan(ROOT, spec.packageDir)]));
const planOf = (spec: ImageSpec): BuildPlan => plans.get(spec.dockerfile)!;
const builtIn = (spec: ImageSpec, tree: CopiedTree, rest: string): string | undefined =>
  builtPath(dockerfiles.get(spec.dockerfile)!, planOf(spec), ROOT, tree, rest);

/** The stage whose node_modules the final stage copies. */
function dependencyStage(spec: ImageSpec): Stage | undefined {
  const image = imageOf(spec);
  const needs = servicesOf(spec).flatMap((s) => s.needs);
  const tree = locate(image, inImage(image, needs.find((n) => path.posix.basename(n) === 'node_modules')!))?.tree;
  const origin = tree?.origin;
  return origin?.kind === 'stage' ? dockerfiles.get(spec.dockerfile)!.stages.find((s) => s.name === origin.stage) : undefined;
}

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

  it.each(servicesOf(spec).map((s) => [s.service, s] as const))('copies every path the start command of %s needs, from sources in the repository', (_service, service) => {
    const problems: string[] = [];
    for (const need of service.needs) {
      const found = locate(image, inImage(image, need));
      if (found === undefined) {
        problems.push(`${spec.dockerfile}: nothing copies ${need} (for ${service.service}) into ${image.workdir}`);
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

  it('exposes the ports compose publishes for the services it runs', () => {
    for (const { service } of servicesOf(spec)) {
      for (const p of portsReaching(service)) expect(image.exposed, `${spec.dockerfile}: EXPOSE ${p.target} (${service})`).toContain(p.target);
    }
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