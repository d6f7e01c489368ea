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

/** Asks twice on the terminal; undefined when the person gives up (Ctrl-C, Ctrl-D). */
export async function passwordFromTerminal(): Promise<Result<string, string>> {
  const first = await promptHidden('Password: ');
  if (first === undefined) return err('cancelled');
  const second = await promptHidden('Password again: ');
  if (second === undefined) return err('cancelled');
  if (first !== second) return err('the two passwords differ');
  return ok(first);
}

export function checkPassword(password: string): Result<string, string> {
  if ([...password].length < MIN_PASSWORD_LENGTH) return err(`the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  return ok(password);
}

/** Reads one line from the terminal in raw mode, echoing nothing. Prompts go to stderr, so stdout stays clean. */
function promptHidden(prompt: string): Promise<string | undefined> {
  const input = process.stdin;
  process.stderr.write(prompt);
  input.setRawMode(true);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve) => {
    let typed: string[] = [];
    const finish = (value: string | undefined) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
      resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish(typed.join(''));
        // Ctrl-C, or Ctrl-D on an empty line: the person wants out.
        if (ch === '\u0003' || (ch === '\u0004' && typed.length === 0)) return finish(undefined);
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else if (ch >= ' ') typed.push(ch);
      }
    };
    input.on('data', onData);
  });
}
