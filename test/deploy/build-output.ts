import { readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

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
  return { packageDir: posix.normalize(packageDir), outDir: path.relative(dir, outDir).split(path.sep).join('/'), outputs };
}

/** Whether the build writes `rel` (relative to outDir): that file, or a folder holding some of its files. */
export function buildWrites(plan: BuildPlan, rel: string): boolean {
  const p = posix.normalize(rel).replace(/\/+$/, '');
  if (p === '.' || p === '') return plan.outputs.size > 0;
  return plan.outputs.has(p) || [...plan.outputs.keys()].some((o) => o.startsWith(`${p}/`));
}
