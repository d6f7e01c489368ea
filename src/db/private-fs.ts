import { NodeFS } from '@electric-sql/pglite/nodefs';

/**
 * PGlite's Node file system with every mode it gives a file or directory on disk cut to its owner's bits.
 *
 * PGlite creates its files and then sets their mode with an explicit chmod (0666 for most of them), so the
 * process umask cannot keep them private; PostgreSQL itself would use 0600 and 0700. The modes reach the
 * disk in three places of Emscripten's NODEFS, all of them wrapped here: creating a node, and changing a
 * node's or an open file's attributes. The wrapping is done on this PGlite instance's own module, so
 * nothing else in the process is touched.
 */

const OTHERS = 0o077;

interface Attributes {
  mode?: number;
}
type SetAttr = (target: unknown, attr: Attributes) => void;
type MkNod = (parent: unknown, name: string, mode: number, dev: number) => unknown;
interface NodeFsOps {
  node_ops: { mknod?: MkNod; setattr?: SetAttr };
  stream_ops: { setattr?: SetAttr };
}

type Init = NodeFS['init'];

export class PrivateNodeFS extends NodeFS {
  override async init(...[pg, opts]: Parameters<Init>): ReturnType<Init> {
    const { emscriptenOpts } = await super.init(pg, opts);
    return { emscriptenOpts: { ...emscriptenOpts, preRun: [ownerOnly, ...(emscriptenOpts.preRun ?? [])] } };
  }
}

function ownerOnly(mod: { NODEFS: unknown }): void {
  const nodefs = mod.NODEFS as unknown as NodeFsOps;
  const { mknod } = nodefs.node_ops;
  const setattr = nodefs.node_ops.setattr;
  const streamSetattr = nodefs.stream_ops.setattr;
  // Refused rather than run with files anyone may read: a PGlite release with another file layer needs a look.
  if (typeof mknod !== 'function' || typeof setattr !== 'function' || typeof streamSetattr !== 'function') {
    throw new Error('this PGlite version has no NODEFS hooks to keep its files private (see src/db/private-fs.ts)');
  }
  nodefs.node_ops.mknod = (parent, name, mode, dev) => mknod(parent, name, mode & ~OTHERS, dev);
  nodefs.node_ops.setattr = (node, attr) => setattr(node, withoutOthers(attr));
  nodefs.stream_ops.setattr = (stream, attr) => streamSetattr(stream, withoutOthers(attr));
}

function withoutOthers(attr: Attributes): Attributes {
  return attr.mode === undefined ? attr : { ...attr, mode: attr.mode & ~OTHERS };
}
