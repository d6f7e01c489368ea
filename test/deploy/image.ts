import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { execForm, parseCopy, parseEnv, where, type Dockerfile, type Instruction, type Stage } from './dockerfile.ts';

/**
 * What the final stage of a Dockerfile puts in the image: where each COPY lands, its working directory,
 * user, environment and start command. Paths inside the image are absolute POSIX paths.
 */

export interface CopiedTree {
  /** Where the source lands in the image: a file, or the directory its contents are copied into. */
  readonly container: string;
  readonly origin: { readonly kind: 'context'; readonly path: string } | { readonly kind: 'stage'; readonly stage: string; readonly path: string };
  readonly ins: Instruction;
}

export interface Setting {
  readonly value: string;
  readonly ins: Instruction;
}

export interface FinalImage {
  readonly stage: Stage;
  readonly workdir: string;
  readonly user?: Setting;
  readonly env: ReadonlyMap<string, Setting>;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly copies: readonly CopiedTree[];
  readonly exposed: readonly number[];
}

const posix = path.posix;

/** The image the last stage builds. */
export function finalImage(dockerfile: Dockerfile, contextDir: string): FinalImage {
  const stage = dockerfile.stages.at(-1);
  if (stage === undefined) throw new Error('no FROM: not a Dockerfile');
  return describeStage(stage, contextDir);
}

/** What one stage holds and sets, from its own instructions (the base image's are unknown here). */
export function describeStage(stage: Stage, contextDir: string): FinalImage {
  let workdir = '/';
  let user: Setting | undefined;
  const env = new Map<string, Setting>();
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  const copies: CopiedTree[] = [];
  const exposed: number[] = [];
  for (const ins of stage.instructions) {
    switch (ins.keyword) {
      case 'WORKDIR':
        workdir = posix.resolve(workdir, ins.args);
        break;
      case 'USER':
        user = { value: ins.args, ins };
        break;
      case 'ENV':
        for (const [k, v] of parseEnv(ins)) env.set(k, { value: v, ins });
        break;
      case 'ENTRYPOINT':
        entrypoint = command(ins);
        cmd = []; // Docker forgets the CMD of the base image when a stage sets ENTRYPOINT.
        break;
      case 'CMD':
        cmd = command(ins);
        break;
      case 'EXPOSE':
        for (const p of ins.args.split(/\s+/)) exposed.push(Number.parseInt(p, 10));
        break;
      case 'COPY':
        copies.push(...copied(ins, workdir, contextDir));
        break;
      case 'ADD':
        throw new Error(`${where(ins)}: use COPY; this check does not follow ADD`);
    }
  }
  return { stage, workdir, ...(user === undefined ? {} : { user }), env, entrypoint, cmd, copies, exposed };
}

function command(ins: Instruction): string[] {
  return execForm(ins.args) ?? ['/bin/sh', '-c', ins.args];
}

function copied(ins: Instruction, workdir: string, contextDir: string): CopiedTree[] {
  const { from, sources, dest } = parseCopy(ins);
  const destAbs = posix.resolve(workdir, dest);
  const intoDir = dest.endsWith('/') || sources.length > 1;
  return sources.map((raw) => {
    if (/[*?[]/.test(raw)) throw new Error(`${where(ins)}: wildcards are not understood by this check; name the paths`);
    const source = posix.normalize(raw).replace(/\/+$/, '').replace(/^\.\//, '');
    // A directory's contents land in DEST; a file lands in DEST/ when DEST is a directory, else at DEST.
    const isDir = from === undefined ? isDirectory(path.join(contextDir, source)) : posix.extname(source) === '';
    const container = isDir || !intoDir ? destAbs : posix.join(destAbs, posix.basename(source));
    const origin = from === undefined ? ({ kind: 'context', path: source } as const) : ({ kind: 'stage', stage: from, path: source } as const);
    return { container, origin, ins };
  });
}

function isDirectory(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

/** The COPY that provides an absolute image path (the last one wins, as later layers cover earlier). */
export function locate(image: FinalImage, containerPath: string): { tree: CopiedTree; rest: string } | undefined {
  for (const tree of [...image.copies].reverse()) {
    const rel = posix.relative(tree.container, containerPath);
    if (rel === '' || (!rel.startsWith('..') && !posix.isAbsolute(rel))) return { tree, rest: rel };
  }
  return undefined;
}

/** An image path relative to the working directory, made absolute. */
export function inImage(image: FinalImage, p: string): string {
  return posix.resolve(image.workdir, p);
}

/** Every file a COPY of the context path `rel` takes (the path itself when it is a file), POSIX, from the root. */
export function contextFiles(contextDir: string, rel: string): string[] {
  if (!isDirectory(path.join(contextDir, rel))) return [rel];
  return readdirSync(path.join(contextDir, rel)).flatMap((entry) => contextFiles(contextDir, posix.join(rel, entry)));
}
