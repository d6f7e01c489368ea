import type { ConfigError } from '../config.ts';
import type { DirectoryFileError, EditRefused } from '../directory/file.ts';
import { err } from '../result.ts';

/** How a command ends when it cannot do its job: one line for stderr, and the exit code. */
export interface CommandFailure {
  readonly message: string;
  /** 2: a usage or configuration mistake the person can fix; 1: something failed at run time. */
  readonly exitCode: 1 | 2;
}

export const usage = (message: string) => err<CommandFailure>({ message, exitCode: 2 });
export const runtime = (message: string) => err<CommandFailure>({ message, exitCode: 1 });

export const fromConfigError = (e: ConfigError) => usage(e.message);

/** A file that is invalid, or an edit the directory refuses, is the person's to fix; an I/O error is not. */
export function fromDirectoryError(e: DirectoryFileError | EditRefused) {
  return e.kind === 'unreadable' ? runtime(e.message) : usage(e.message);
}
