#!/usr/bin/env node
// `npm run build [-- --out-dir DIR]`: src/ compiled to DIR (default dist/) for production, where the
// images run it without tsx. Plain JavaScript, so it runs before anything is compiled.
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const source = path.join(root, 'src');
const { values } = parseArgs({ options: { 'out-dir': { type: 'string', default: 'dist' } } });
const out = path.resolve(values['out-dir']);

// The output folder is emptied, so it may not hold the package or its sources, nor lie in the sources.
const inside = (dir, parent) => !path.relative(parent, dir).startsWith('..') && !path.isAbsolute(path.relative(parent, dir));
if (inside(root, out) || inside(source, out) || inside(out, source)) {
  process.stderr.write(`build: --out-dir ${out} would delete or write into the package or its sources; name a folder of its own (default dist/)\n`);
  process.exit(2);
}
// A file left from an earlier build of a module since moved or deleted must not ship.
rmSync(out, { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', out], { stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);

// What the code reads beside itself at run time (the migrations, and any other asset kept in src/)
// lands at the same place relative to the compiled modules. TypeScript is all tsc's.
const isAsset = (file) => !/\.[cm]?tsx?$/.test(file);
for (const entry of readdirSync(source, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !isAsset(entry.name)) continue;
  const from = path.join(entry.parentPath, entry.name);
  cpSync(from, path.join(out, path.relative(source, from)));
}
// Files of dev dependencies that the build carries, from package.json's "buildCopies" (output path → the
// package's file): Formgate's /docs viewer is one file of a package whose dependencies stay out of the image.
const { buildCopies = {} } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
for (const [to, from] of Object.entries(buildCopies)) cpSync(fileURLToPath(import.meta.resolve(from)), path.join(out, to));
process.stdout.write(`built ${path.relative(process.cwd(), out) || '.'}\n`);
