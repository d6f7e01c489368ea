/**
 * A small Dockerfile reader: enough of the syntax to check what an image copies and runs, not a builder.
 * It knows line continuations (`\` at the end of a line), comment lines (also inside a continuation),
 * stages (FROM … AS name), exec form (JSON arrays) and the flags of COPY. Each instruction keeps the line
 * it starts on, so a failed check can point at it.
 */

export interface Instruction {
  /** Upper case: FROM, COPY, RUN, … */
  readonly keyword: string;
  /** Everything after the keyword, continuation lines joined with one space. */
  readonly args: string;
  /** 1-based line of the keyword. */
  readonly line: number;
}

export interface Stage {
  readonly base: string;
  readonly name?: string;
  readonly line: number;
  readonly instructions: readonly Instruction[];
}

export interface Dockerfile {
  readonly stages: readonly Stage[];
}

/** `line 12: COPY src/ ./src/`, for failure messages. */
export function where(ins: Instruction): string {
  return `line ${ins.line}: ${ins.keyword} ${ins.args}`;
}

export function parseDockerfile(text: string): Dockerfile {
  const stages: { base: string; name?: string; line: number; instructions: Instruction[] }[] = [];
  for (const ins of instructions(text)) {
    if (ins.keyword === 'FROM') {
      // FROM [--platform=…] image [AS name]
      const [base = '', as, name] = words(ins.args).filter((w) => !w.startsWith('--'));
      stages.push({ base, ...(as?.toUpperCase() === 'AS' && name ? { name } : {}), line: ins.line, instructions: [] });
      continue;
    }
    const current = stages.at(-1);
    // ARG before the first FROM is the only instruction allowed there; nothing here needs it.
    if (current !== undefined) current.instructions.push(ins);
  }
  return { stages };
}

function* instructions(text: string): Generator<Instruction> {
  const lines = text.split(/\r?\n/);
  let pending: { start: number; parts: string[] } | undefined;
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    // Blank and comment lines are dropped, also between the lines of one instruction.
    if (line === '' || line.startsWith('#')) continue;
    const continues = line.endsWith('\\');
    const part = continues ? line.slice(0, -1).trim() : line;
    pending ??= { start: i + 1, parts: [] };
    pending.parts.push(part);
    if (continues) continue;
    yield toInstruction(pending.parts.join(' '), pending.start);
    pending = undefined;
  }
  if (pending !== undefined) yield toInstruction(pending.parts.join(' '), pending.start);
}

function toInstruction(text: string, line: number): Instruction {
  const m = /^(\S+)\s*(.*)$/.exec(text)!;
  return { keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line };
}

/** Splits on white space, keeping single- or double-quoted runs together (quotes removed). */
export function words(text: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const m of text.matchAll(re)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? m[3]!));
  return out;
}

/** The JSON array of an exec-form instruction (`["node", "x.js"]`), or undefined for shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) {
    throw new Error(`not a JSON array of strings: ${args}`);
  }
  return parsed;
}

export interface Copy {
  /** `--from=stage`; absent when the sources come from the build context. */
  readonly from?: string;
  readonly sources: readonly string[];
  readonly dest: string;
}

/** COPY [--from=…] [--chown=…] … SRC… DEST, in shell or exec form. */
export function parseCopy(ins: Instruction): Copy {
  const all = words(ins.args);
  const flags = all.filter((w) => w.startsWith('--'));
  const rest = all.filter((w) => !w.startsWith('--'));
  const exec = execForm(rest.join(' '));
  const paths = exec ?? rest;
  if (paths.length < 2) throw new Error(`${where(ins)}: a COPY needs a source and a destination`);
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  return { ...(from === undefined ? {} : { from }), sources: paths.slice(0, -1), dest: paths.at(-1)! };
}

/** ENV A=1 B="two words", or the old ENV A value form. */
export function parseEnv(ins: Instruction): [string, string][] {
  const first = /^\S+/.exec(ins.args)?.[0] ?? '';
  if (!first.includes('=')) {
    const [key = '', ...value] = ins.args.split(/\s+/);
    return [[key, value.join(' ')]];
  }
  // Quotes may sit after the `=` (A="x y"): join each pair before splitting on white space.
  const pairs: [string, string][] = [];
  const re = /([^\s=]+)=("((?:[^"\\]|\\.)*)"|'([^']*)'|\S*)/g;
  for (const m of ins.args.matchAll(re)) {
    const value = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : (m[4] ?? m[2]!);
    pairs.push([m[1]!, value]);
  }
  return pairs;
}
