import { cpSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { builtPath, type BuildPlan } from './build-output.ts';
import { where, type Dockerfile } from './dockerfile.ts';
import { finalImage, type FinalImage } from './image.ts';

/**
 * The final stage of a Dockerfile laid out in a folder, without Docker: each COPY from the context copies
 * the repository's files, each COPY from the build stage copies a real build's output, and the
 * node_modules of the dependency stage is the checkout's (linked). What the image would not have, the
 * folder does not have either, so a start that reads a file no COPY provides fails here as it would there.
 */

export interface AssembledImage {
  readonly image: FinalImage;
  /** The folder standing for the image's `/`. */
  readonly root: string;
  /** The image's working directory, in that folder. */
  readonly workdir: string;
}

export function assembleImage(dockerfile: Dockerfile, plan: BuildPlan, opts: { contextDir: string; builtDir: string; into: string }): AssembledImage {
  const image = finalImage(dockerfile, opts.contextDir);
  const inFolder = (containerPath: string): string => path.join(opts.into, ...containerPath.split('/'));
  for (const copy of image.copies) {
    const target = inFolder(copy.container);
    mkdirSync(path.dirname(target), { recursive: true });
    if (copy.origin.kind === 'context') {
      cpSync(path.join(opts.contextDir, copy.origin.path), target, { recursive: true });
      continue;
    }
    const built = builtPath(dockerfile, plan, opts.contextDir, copy, '');
    if (built !== undefined) {
      cpSync(path.join(opts.builtDir, built), target, { recursive: true });
    } else if (path.posix.basename(copy.origin.path) === 'node_modules') {
      // The checkout's packages; that the image installs production dependencies only is checked apart.
      symlinkSync(path.join(opts.contextDir, 'node_modules'), target, 'dir');
    } else {
      throw new Error(`${where(copy.ins)}: this check cannot lay out a copy from stage ${copy.origin.stage} other than the build's output or node_modules`);
    }
  }
  return { image, root: opts.into, workdir: inFolder(image.workdir) };
}
