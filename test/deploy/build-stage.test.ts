import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildOutputIn, buildPlan, buildStageOf } from './build-output.ts';
import { parseDockerfile, where, words, type Stage } from './dockerfile.ts';
import { parseDockerIgnore } from './dockerignore.ts';
import { contextFiles, describeStage, finalImage, locate } from './image.ts';

/**
 * The images are built from the compiled JavaScript: a build stage has everything `npm run build` reads,
 * and the runtime stage carries none of TypeScript (sources, compiler, tsx, esbuild). images.test.ts
 * checks that the start command runs a file the build writes; compiled.test.ts runs it.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');
const posix = path.posix;

const PACKAGES = [
  { dockerfile: 'Dockerfile', packageDir: '.' },
  { dockerfile: 'auth-service-example/Dockerfile', packageDir: 'auth-service-example' },
] as const;

/** The packages that compile TypeScript and must never be installed in an image. */
const BUILD_TOOLS = ['typescript', 'tsx', 'esbuild'];

const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { dev?: boolean; dependencies?: Record<string, string> }> };

function buildRun(stage: Stage) {
  return stage.instructions.find((i) => i.keyword === 'RUN' && /\bnpm\s+run\s+build\b/.test(i.args))!;
}

describe.each(PACKAGES.map((p) => [p.dockerfile, p] as const))('%s', (_name, { dockerfile: file, packageDir }) => {
  const dockerfile = parseDockerfile(read(file));
  const image = finalImage(dockerfile, ROOT);
  const buildStage = buildStageOf(dockerfile);
  const plan = buildPlan(ROOT, packageDir);

  it('runs npm run build for this package in a stage that has installed its dependencies and copied what the build reads', () => {
    expect(buildStage, `${file}: a stage that runs npm run build`).toBeDefined();
    const run = buildRun(buildStage!);
    // Only what is in place when the build runs counts.
    const before = describeStage({ ...buildStage!, instructions: buildStage!.instructions.filter((i) => i.line < run.line) }, ROOT);
    const packageAt = posix.join(before.workdir, packageDir);
    if (packageDir !== '.') expect(words(run.args), `${file} ${where(run)}`).toContain(`--workspace=${packageDir}`);
    const ci = buildStage!.instructions.find((i) => i.keyword === 'RUN' && /\bnpm\s+ci\b/.test(i.args) && i.line < run.line);
    expect(ci, `${file}: npm ci before ${where(run)}`).toBeDefined();
    expect(words(ci!.args), `${file} ${where(ci!)}: the build needs the dev dependencies (TypeScript)`).not.toContain('--omit=dev');
    const reads = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'bin/build.js', 'src'];
    const missing = reads.filter((r) => {
      const found = locate(before, posix.join(packageAt, r));
      return found?.tree.origin.kind !== 'context' || found.tree.origin.path !== posix.normalize(posix.join(packageDir, r));
    });
    expect(missing, `${file}: COPY into ${packageAt} before ${where(run)}`).toEqual([]);
  });

  it('compiles the sources alone: no tests or benchmarks in the build', () => {
    const fromSources = (source: string) => source.startsWith(posix.join(packageDir, 'src/').replace(/^\.\//, '')) || source.startsWith('node_modules/');
    const strays = [...plan.outputs.values()].filter((source) => !fromSources(source) || /\.test\./.test(source));
    expect(strays).toEqual([]);
    expect(plan.outputs.has('cli.js'), `${packageDir}: the build writes cli.js`).toBe(true);
  });

  it('copies no TypeScript into the runtime stage: no sources, no tsconfig, nothing else of the build stage', () => {
    const problems: string[] = [];
    for (const copy of image.copies) {
      if (copy.origin.kind === 'context') {
        for (const f of contextFiles(ROOT, copy.origin.path)) {
          if (/\.[cm]?tsx?$/.test(f) || /(^|\/)tsconfig[^/]*\.json$/.test(f)) problems.push(`${file} ${where(copy.ins)}: ${f}`);
        }
      } else if (copy.origin.stage === buildStage?.name) {
        const out = buildOutputIn(buildStage, plan, ROOT);
        if (posix.relative(out, copy.origin.path).startsWith('..')) problems.push(`${file} ${where(copy.ins)}: not the build's output ${out}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it(`names none of ${BUILD_TOOLS.join(', ')} among its production dependencies`, () => {
    const manifest = JSON.parse(read(posix.join(packageDir, 'package.json'))) as { dependencies?: Record<string, string> };
    expect(Object.keys(manifest.dependencies ?? {}).filter((d) => BUILD_TOOLS.includes(d))).toEqual([]);
  });
});

describe('the lock file', () => {
  it(`marks ${BUILD_TOOLS.join(', ')} as dev only, so npm ci --omit=dev leaves them out of the images`, () => {
    const notDev = BUILD_TOOLS.filter((name) => lock.packages[`node_modules/${name}`]?.dev !== true);
    expect(notDev).toEqual([]);
  });
});

describe('.dockerignore', () => {
  it('keeps a local build out of the context, so an image never ships a stale dist/', () => {
    const ignore = parseDockerIgnore(read('.dockerignore'));
    for (const { packageDir } of PACKAGES) {
      const out = posix.join(packageDir, buildPlan(ROOT, packageDir).outDir, 'cli.js');
      expect(ignore.excludedBy(out), `.dockerignore: ${out}`).toBeDefined();
    }
  });
});
