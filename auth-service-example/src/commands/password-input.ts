import { err, ok, type Result } from '../result.ts';

/**
 * Getting a password from a person without it appearing anywhere: typed on a terminal with echo off,
 * or piped in (`--password-stdin`), never as an argument (which `ps` and shell history would show).
 */

export const MIN_PASSWORD_LENGTH = 8;

/** The first line of standard input, without its line ending. */
export async function passwordFromStdin(stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  let text = '';
  stdin.setEncoding('utf8');
  for await (const chunk of stdin) {
    text += chunk as string;
    if (text.includes('\n')) break;
  }
  return (text.split('\n')[0] ?? '').replace(/\r$/, '');
}

/** Asks twice on the terminal; an error when the person gives up (Ctrl-C, Ctrl-D) or the two differ. */
export async function passwordFromTerminal(): Promise<Result<string, string>> {
  // Echo goes off before the first prompt shows and comes back only after the second line: anything
  // typed as soon as a prompt appears, or both lines arriving together, stays hidden and is kept.
  const terminal = hiddenLines(process.stdin);
  try {
    const first = await terminal.ask('Password: ');
    if (first === undefined) return err('cancelled');
    const second = await terminal.ask('Password again: ');
    if (second === undefined) return err('cancelled');
    if (first !== second) return err('the two passwords differ');
    return ok(first);
  } finally {
    terminal.close();
  }
}

export function checkPassword(password: string): Result<string, string> {
  if ([...password].length < MIN_PASSWORD_LENGTH) return err(`the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  return ok(password);
}

interface HiddenLines {
  /** Writes the prompt (to stderr, so stdout stays clean) and reads one line; undefined when the person gives up. */
  ask(prompt: string): Promise<string | undefined>;
  /** Leaves raw mode and stops reading. */
  close(): void;
}

/**
 * Lines read from the terminal in raw mode, echoing nothing. Raw mode lasts from creation to `close`,
 * and what arrives before a line is asked for waits in `pending`, so no keystroke is shown or lost.
 */
function hiddenLines(input: NodeJS.ReadStream): HiddenLines {
  input.setRawMode(true);
  input.setEncoding('utf8');
  // Characters received but not yet taken into a line, and the line being taken.
  const pending: string[] = [];
  let typed: string[] = [];
  let afterCarriageReturn = false;
  let ended = false;
  let waiting: ((line: string | undefined) => void) | undefined;

  // Hands the next complete line (or the give-up) to the one waiting for it, if both are there.
  const deliver = () => {
    if (waiting === undefined) return;
    const line = takeLine();
    if (line === 'incomplete' && !ended) return;
    const resolve = waiting;
    waiting = undefined;
    resolve(line === 'incomplete' ? undefined : line);
  };

  const takeLine = (): string | undefined | 'incomplete' => {
    while (pending.length > 0) {
      const ch = pending.shift()!;
      // A terminal sends Enter as \r; one that sends \r\n must not answer the next prompt with an empty line.
      if (ch === '\n' && afterCarriageReturn) {
        afterCarriageReturn = false;
        continue;
      }
      afterCarriageReturn = ch === '\r';
      if (ch === '\r' || ch === '\n') {
        const line = typed.join('');
        typed = [];
        return line;
      }
      // Ctrl-C, or Ctrl-D on an empty line: the person wants out.
      if (ch === '\u0003' || (ch === '\u0004' && typed.length === 0)) return undefined;
      if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
      else if (ch >= ' ') typed.push(ch);
    }
    return 'incomplete';
  };

  const onData = (chunk: string) => {
    pending.push(...chunk);
    deliver();
  };
  const onEnd = () => {
    ended = true;
    deliver();
  };
  input.on('data', onData);
  input.once('end', onEnd);
  input.resume();

  return {
    ask(prompt) {
      process.stderr.write(prompt);
      return new Promise<string | undefined>((resolve) => {
        waiting = resolve;
        deliver();
      }).finally(() => process.stderr.write('\n'));
    },
    close() {
      input.off('data', onData);
      input.off('end', onEnd);
      input.setRawMode(false);
      input.pause();
    },
  };
}
