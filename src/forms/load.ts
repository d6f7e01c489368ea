import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { err, ok, type Result } from '../result.ts';
import { deepFreeze } from '../freeze.ts';
import { compileForm } from './compile.ts';
import { formsFileSchema, type FormDefinition, type FormsFile } from './definition.ts';
import { describeFileIssues } from './file-issues.ts';
import { createFormRegistry, type FormRegistry } from './registry.ts';
import { positionAt, positionOf } from './yaml-positions.ts';

export interface FormsFileError {
  file: string;
  /** Dotted path into the file, e.g. "forms.contact.fields.age.min"; "" for the file as a whole. */
  path: string;
  line?: number;
  column?: number;
  message: string;
}

/** `examples/forms.yaml:12:7 forms.contact.fields.age.min: expected a number, got "ten"` */
export function formatFormsFileError(e: FormsFileError): string {
  const where = e.line !== undefined ? `${e.file}:${e.line}:${e.column ?? 1}` : e.file;
  return e.path ? `${where} ${e.path}: ${e.message}` : `${where} ${e.message}`;
}

export async function loadFormsFile(path: string): Promise<Result<FormRegistry, FormsFileError[]>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return err([{ file: path, path: '', message: `cannot read the file: ${readProblem(e)}` }]);
  }
  return parseFormsFile(text, path);
}

/** `file` only labels the errors; nothing is read from disk. */
export function parseFormsFile(text: string, file: string): Result<FormRegistry, FormsFileError[]> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // Past a syntax error the tree is a guess, so structural messages would mislead.
    return err(
      doc.errors.map((e) => ({
        file,
        path: '',
        ...positionAt(e.pos[0], lineCounter),
        message: `invalid YAML: ${e.message}`,
      })),
    );
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // yaml throws here only for alias abuse (a "billion laughs" file).
    return err([{ file, path: '', message: `invalid YAML: ${e instanceof Error ? e.message : String(e)}` }]);
  }
  if (data === null || data === undefined) {
    return err([{ file, path: '', message: 'the file is empty; it needs a "forms" map' }]);
  }

  const parsed = formsFileSchema.safeParse(data);
  if (!parsed.success) {
    const errors = describeFileIssues(parsed.error.issues, data).map((issue) => ({
      file,
      path: issue.path.map(String).join('.'),
      ...positionOf(doc, lineCounter, issue.path, issue.at),
      message: issue.message,
    }));
    return err(inFileOrder(errors));
  }
  return ok(createFormRegistry(definitionsOf(parsed.data).map(compileForm)));
}

function definitionsOf(file: FormsFile): FormDefinition[] {
  return Object.entries(file.forms).map(([name, form]) => {
    const definition: FormDefinition = {
      name,
      title: form.title,
      ...(form.description !== undefined ? { description: form.description } : {}),
      fields: form.fields,
      ...(form.access !== undefined ? { access: form.access } : {}),
    };
    // Shared by every request for the life of the process; nobody gets to edit it in place.
    return deepFreeze(definition);
  });
}

/** Array.prototype.sort is stable, so errors on one node keep zod's order. */
function inFileOrder(errors: FormsFileError[]): FormsFileError[] {
  const far = Number.MAX_SAFE_INTEGER;
  return [...errors].sort((a, b) => (a.line ?? far) - (b.line ?? far) || (a.column ?? 0) - (b.column ?? 0));
}

/** A read failure in the words the operator needs: which of the usual reasons, or the system's message. */
export function readProblem(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'EACCES') return 'permission denied';
  return e instanceof Error ? e.message : String(e);
}
