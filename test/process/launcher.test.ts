import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/process.ts';

/**
 * bin/formgate.js decides what runs: in a checkout (src/ is there) the sources through tsx, so a stale
 * dist/ never runs by accident; without src/ the compiled dist/. Checked on a copy of bin/ beside small
 * stand-ins for src/cli.ts and dist/cli.js that say which of them ran.
 */

let dir: string;

function launch(): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(dir, 'bin', 'formgate.js')], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'formgate-launcher-'));
  cpSync(path.join(REPO_ROOT, 'bin'), path.join(dir, 'bin'), { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  mkdirSync(path.join(dir, 'src'));
  // A type annotation: only tsx can run it.
  writeFileSync(path.join(dir, 'src', 'cli.ts'), "const ran: string = 'source';\nprocess.stdout.write(ran);\n");
  mkdirSync(path.join(dir, 'dist'));
  writeFileSync(path.join(dir, 'dist', 'cli.js'), "process.stdout.write('dist');\n");
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('bin/formgate.js', () => {
  it('runs the sources through tsx where src/ is, even beside a dist/', () => {
    expect(launch()).toMatchObject({ code: 0, stdout: 'source' });
  });

  it('runs dist/ where there is no src/ (an installation of the build)', () => {
    rmSync(path.join(dir, 'src'), { recursive: true });
    expect(launch()).toMatchObject({ code: 0, stdout: 'dist' });
  });

  it('refuses, saying why, where src/ is but tsx is not installed, rather than run a dist/ that may be stale', () => {
    rmSync(path.join(dir, 'node_modules'));
    const r = launch();
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/tsx, a dev dependency that is not installed: run npm install/);
  });

  it('says to build where neither is there', () => {
    rmSync(path.join(dir, 'src'), { recursive: true });
    rmSync(path.join(dir, 'dist'), { recursive: true });
    const r = launch();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/npm run build/);
  });
});

describe('bin/build.js', () => {
  it('refuses an output folder that holds the package or its sources, or lies in them, and deletes nothing', () => {
    for (const out of ['.', '..', 'src', path.join('src', 'x')]) {
      const r = spawnSync(process.execPath, [path.join(dir, 'bin', 'build.js'), '--out-dir', out], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
      expect(r.status, out).toBe(2);
      expect(r.stderr).toMatch(/would delete or write into the package or its sources/);
    }
    expect(readFileSync(path.join(dir, 'src', 'cli.ts'), 'utf8')).toMatch(/source/);
    expect(readFileSync(path.join(dir, 'dist', 'cli.js'), 'utf8')).toMatch(/dist/);
  });
});
