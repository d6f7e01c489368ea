import path from 'node:path';

/**
 * A start command's arguments read the way the programs' yargs reads them, without yargs: which script
 * node runs, and which flags it is given.
 */

/** `node [node options] SCRIPT args…` → the script and its arguments. */
export function scriptOf(argv: readonly string[]): { script?: string; args: readonly string[] } {
  if (path.posix.basename(argv[0] ?? '') !== 'node') return { args: argv };
  const i = argv.findIndex((a, n) => n > 0 && !a.startsWith('-'));
  return i === -1 ? { args: [] } : { script: argv[i]!, args: argv.slice(i + 1) };
}

/** `--name value`, `--name=value`, `--no-name`: the flags among a program's arguments. */
export function flagsIn(args: readonly string[]): { name: string; value: string | boolean }[] {
  const found: { name: string; value: string | boolean }[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    if (!a.startsWith('--')) continue;
    const body = a.slice(2);
    const eq = body.indexOf('=');
    if (eq !== -1) found.push({ name: body.slice(0, eq), value: body.slice(eq + 1) });
    else if (body.startsWith('no-')) found.push({ name: body.slice(3), value: false });
    else if (args[i + 1] !== undefined && !args[i + 1]!.startsWith('-')) found.push({ name: body, value: args[++i]! });
    else found.push({ name: body, value: true });
  }
  return found;
}

/** The flags as yargs would hand them to the resolver: a repeated flag becomes a list. */
export function flagObject(args: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { name, value } of flagsIn(args)) {
    const prev = out[name];
    out[name] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
  }
  return out;
}
