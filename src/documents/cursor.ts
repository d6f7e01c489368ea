import { isDocumentId } from './ids.ts';

// The list cursor is opaque to clients: today it wraps the id of the last document on the page,
// tomorrow it may carry more without breaking anyone who treats it as a token.

export function encodeCursor(lastId: string): string {
  return Buffer.from(`v1:${lastId}`).toString('base64url');
}

/** The id a page continues after, or undefined when the cursor is not one Formgate made. */
export function decodeCursor(cursor: string): string | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = text.startsWith('v1:') ? text.slice(3) : '';
  return isDocumentId(id) ? id : undefined;
}
