/**
 * What the log (and check-auth) may say about an answer that broke the contract. The body comes from a
 * service that may echo what Formgate sent it, the token and the client's Basic credentials, in any
 * encoding or cut anywhere (base64 of it, its first characters), and no scrubber can recognise every such
 * form. So nothing of the body is logged: only facts Formgate computes itself (the size, what kind of
 * JSON value it is, how many members it has) and names Formgate chose in advance (a media type from a
 * fixed list, the members the protocol reads). No field here can carry a value the service sent.
 */

export interface AnswerShape {
  readonly bytes: number;
  /** The media type when it is one of KNOWN_TYPES, `none` without a Content-Type, else `other`. */
  readonly contentType: string;
  readonly json: 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null' | 'not JSON' | 'empty';
  /** For an object: which of the protocol's own members it has, in the protocol's order. */
  readonly members?: readonly string[];
  /** For an object: how many members it has besides those. */
  readonly otherMembers?: number;
}

const KNOWN_TYPES = new Set([
  'application/json',
  'application/problem+json',
  'application/jwt',
  'application/x-www-form-urlencoded',
  'application/xml',
  'application/octet-stream',
  'application/health+json',
  'text/plain',
  'text/html',
  'text/xml',
]);

/** The media type of a Content-Type header when it is a well-known one; anything else could be an echo. */
export function knownMediaType(header: string | null): string | undefined {
  const type = header?.split(';')[0]?.trim().toLowerCase();
  return type !== undefined && KNOWN_TYPES.has(type) ? type : undefined;
}

export function shapeOf(body: string, contentType: string | null, protocolMembers: readonly string[]): AnswerShape {
  const bytes = Buffer.byteLength(body);
  const type = contentType === null ? 'none' : (knownMediaType(contentType) ?? 'other');
  if (body.trim() === '') return { bytes, contentType: type, json: 'empty' };
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { bytes, contentType: type, json: 'not JSON' };
  }
  if (value === null) return { bytes, contentType: type, json: 'null' };
  if (Array.isArray(value)) return { bytes, contentType: type, json: 'array' };
  if (typeof value !== 'object') return { bytes, contentType: type, json: typeof value as 'string' | 'number' | 'boolean' };
  const keys = Object.keys(value);
  const members = protocolMembers.filter((name) => Object.hasOwn(value, name));
  return { bytes, contentType: type, json: 'object', members, otherMembers: keys.length - members.length };
}

/** The shape in words, for check-auth's report: `83 bytes of application/json, an object with userId and 2 other members`. */
export function describeShape(shape: AnswerShape): string {
  const of = `${shape.bytes} bytes of ${shape.contentType === 'none' ? 'no declared type' : shape.contentType === 'other' ? 'another type' : shape.contentType}`;
  if (shape.json !== 'object') return `${of}, ${shape.json === 'not JSON' || shape.json === 'empty' ? shape.json : `a JSON ${shape.json}`}`;
  const named = shape.members?.length ? shape.members.join(', ') : 'none of the members Formgate reads';
  const others = shape.otherMembers ? ` and ${shape.otherMembers} other member${shape.otherMembers === 1 ? '' : 's'}` : '';
  return `${of}, a JSON object with ${named}${others}`;
}
