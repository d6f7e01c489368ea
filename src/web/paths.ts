/** The web client's own URLs, in one place so pages link to each other without spelling paths twice. */

const enc = encodeURIComponent;

export const paths = {
  home: () => '/',
  stylesheet: '/assets/style.css',
  signIn: (returnTo?: string) => (returnTo === undefined ? '/auth/sign-in' : `/auth/sign-in?return_to=${enc(returnTo)}`),
  signOut: '/auth/sign-out',
  callback: '/auth/callback',
  newDocument: (form: string) => `/forms/${enc(form)}/new`,
  documents: (form: string, query = '') => `/forms/${enc(form)}/documents${query === '' ? '' : `?${query}`}`,
  documentsCsv: (form: string, query = '') => `/forms/${enc(form)}/documents.csv${query === '' ? '' : `?${query}`}`,
  document: (form: string, id: string) => `/forms/${enc(form)}/documents/${enc(id)}`,
  editDocument: (form: string, id: string) => `/forms/${enc(form)}/documents/${enc(id)}/edit`,
  deleteDocument: (form: string, id: string) => `/forms/${enc(form)}/documents/${enc(id)}/delete`,
  restoreDocument: (form: string, id: string) => `/forms/${enc(form)}/documents/${enc(id)}/restore`,
  documentHistory: (form: string, id: string) => `/forms/${enc(form)}/documents/${enc(id)}/history`,
} as const;

/** The API's URLs the pages call. */
export const apiPaths = {
  me: '/api/v1/me',
  forms: '/api/v1/forms',
  form: (form: string) => `/api/v1/forms/${enc(form)}`,
  documents: (form: string, query = '') => `/api/v1/forms/${enc(form)}/documents${query === '' ? '' : `?${query}`}`,
  document: (form: string, id: string) => `/api/v1/forms/${enc(form)}/documents/${enc(id)}`,
  restore: (form: string, id: string) => `/api/v1/forms/${enc(form)}/documents/${enc(id)}/restore`,
  history: (form: string, id: string) => `/api/v1/forms/${enc(form)}/documents/${enc(id)}/history`,
} as const;

/** A return-to target kept only when it is a path of this site (never `//host` or a scheme). */
export function safeReturnTo(value: string | undefined): string {
  if (value === undefined || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  return value;
}
