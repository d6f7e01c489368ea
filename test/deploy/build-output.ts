import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import type { Dockerfile, Stage } from './dockerfile.ts';
import { describeStage, type CopiedTree } from './image.ts';

/**
 * What `npm run build` writes for a package, read from its tsconfig.build.json the way tsc reads it: one
 * `.js` per compiled source, and every non-TypeScript file under the root folder copied beside the
 * modules (bin/build.js). The Dockerfile checks hold an image against this; a real build checks this.
 */

export interface BuildPlan {
  /** The package's folder relative to the repository root: `.` or `auth-service-example`. */
  readonly packageDir: string;
  /** Where the build writes, relative to the package's folder: `dist`. */
  readonly outDir: string;
  /** Every file the build writes (relative to outDir, POSIX) → the repository file it comes from. */
  readonly outputs: ReadonlyMap<string, string>;
}

const posix = path.posix;
const isTypeScript = (file: string): boolean => /\.[cm]?tsx?$/.test(file);

export function buildPlan(root: string, packageDir: string): BuildPlan {
  const dir = path.join(root, packageDir);
  const configFile = path.join(dir, 'tsconfig.build.json');
  const host: ts.ParseConfigFileHost = {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(`${configFile}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    },
  };
  const parsed = ts.getParsedCommandLineOfConfigFile(configFile, {}, host);
  if (parsed === undefined || parsed.errors.length > 0) throw new Error(`${configFile}: not a tsconfig tsc can read`);
  const { rootDir, outDir } = parsed.options;
  if (rootDir === undefined || outDir === undefined) throw new Error(`${configFile}: needs rootDir and outDir`);
  const repoPath = (abs: string): string => path.relative(root, abs).split(path.sep).join('/');
  const outputs = new Map<string, string>();
  for (const file of parsed.fileNames) {
    if (file.endsWith('.d.ts')) continue;
    outputs.set(path.relative(rootDir, file).split(path.sep).join('/').replace(/\.([cm]?)tsx?$/, '.$1js'), repoPath(file));
  }
  for (const entry of readdirSync(rootDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || isTypeScript(entry.name)) continue;
    const abs = path.join(entry.parentPath, entry.name);
    outputs.set(path.relative(rootDir, abs).split(path.sep).join('/'), repoPath(abs));
  }
  // A dev dependency's file the build carries (package.json "buildCopies"), named by its package path.
  const { buildCopies = {} } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { buildCopies?: Record<string, string> };
  for (const [to, from] of Object.entries(buildCopies)) outputs.set(to, `node_modules/${from}`);
  return { packageDir: posix.normalize(packageDir), outDir: path.relative(dir, outDir).split(path.sep).join('/'), outputs };
}

/** Whether the build writes `rel` (relative to outDir): that file, or a folder holding some of its files. */
export function buildWrites(plan: BuildPlan, rel: string): boolean {
  const p = posix.normalize(rel).replace(/\/+$/, '');
  if (p === '.' || p === '') return plan.outputs.size > 0;
  return plan.outputs.has(p) || [...plan.outputs.keys()].some((o) => o.startsWith(`${p}/`));
}

/** The stage of a Dockerfile that runs `npm run build`. */
export function buildStageOf(dockerfile: Dockerfile): Stage | undefined {
  return dockerfile.stages.find((s) => s.instructions.some((i) => i.keyword === 'RUN' && /\bnpm\s+run\s+build\b/.test(i.args)));
}

/** Where the build stage's `npm run build` writes, inside that stage: `/app/dist`. */
export function buildOutputIn(stage: Stage, plan: BuildPlan, contextDir: string): string {
  return posix.join(describeStage(stage, contextDir).workdir, plan.packageDir, plan.outDir);
}

/**
 * A path the final stage copies from the build stage, relative to the build's output folder (`cli.js`
 * for /app/dist/cli.js); undefined when it comes from anywhere else.
 */
export function builtPath(dockerfile: Dockerfile, plan: BuildPlan, contextDir: string, tree: CopiedTree, rest: string): string | undefined {
  const stage = buildStageOf(dockerfile);
  if (tree.origin.kind !== 'stage' || stage === undefined || tree.origin.stage !== stage.name) return undefined;
  const rel = posix.relative(buildOutputIn(stage, plan, contextDir), posix.join(tree.origin.path, rest));
  return rel.startsWith('..') ? undefined : rel || '.';
}
