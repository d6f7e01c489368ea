import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileForm, loadFormsFile, MAX_FIELD_ERRORS, type FieldDefinition } from '../../src/forms/index.ts';

/** The errors validate() reports for `{ v: value }`, as [path, message] pairs. */
function errorsFor(field: FieldDefinition, value: unknown): [string, string][] {
  const result = compileForm({ name: 'f', title: 'F', fields: { v: field } }).validate({ v: value });
  return result.ok ? [] : result.error.map((e) => [e.path, e.message]);
}

const rejects = (field: FieldDefinition, value: unknown, message: string, path = '/v') =>
  expect(errorsFor(field, value)).toEqual([[path, message]]);

describe('values that are not what they look like', () => {
  it('a whole number beyond ±(2^53 - 1) is refused, not rounded', () => {
    const range = 'must be a whole number between -9007199254740991 and 9007199254740991';
    // JSON.parse reads 9007199254740993 as 9007199254740992: the value stored would not be the one sent.
    rejects({ type: 'integer' }, JSON.parse('9007199254740993'), range);
    rejects({ type: 'integer' }, -(2 ** 53), range);
    rejects({ type: 'integer' }, 1e300, range);
    rejects({ type: 'integer' }, JSON.parse('1e400'), range);
    rejects({ type: 'integer', min: 0, max: 120 }, 2 ** 60, 'must be a whole number between 0 and 120');
    expect(errorsFor({ type: 'integer' }, Number.MAX_SAFE_INTEGER)).toEqual([]);
    rejects({ type: 'integer' }, 1.5, 'must be a whole number');
  });

  it('an email longer than RFC 5321 allows is refused', () => {
    const local = 'a'.repeat(64);
    expect(errorsFor({ type: 'email' }, `${local}@example.org`)).toEqual([]);
    rejects({ type: 'email' }, `${local}a@example.org`, 'must be a valid email address: at most 64 characters before the @');
    const domain = `${'d'.repeat(60)}.`.repeat(4) + 'org'; // 247 characters
    expect(errorsFor({ type: 'email' }, `abcdef@${domain}`)).toEqual([]); // 254 in all
    rejects({ type: 'email' }, `abcdefg@${domain}`, 'must be at most 254 characters long');
    rejects({ type: 'email', maxLength: 1000 }, `abcdefg@${domain}`, 'must be at most 254 characters long');
  });

  it('a required text field of only spaces counts as missing', () => {
    for (const blank of [' ', '   ', '\t\n', '\u00a0', '\u3000 ']) {
      rejects({ type: 'text', required: true }, blank, 'is required');
      rejects({ type: 'textarea', required: true, minLength: 1 }, blank, 'is required');
    }
    expect(errorsFor({ type: 'text', required: true }, ' Ann ')).toEqual([]);
    expect(errorsFor({ type: 'text' }, '  ')).toEqual([]);
  });

  it('a URL with a user name or password is refused', () => {
    const message = 'must not contain a user name or password (the part before @ in https://user@host)';
    for (const bad of ['http://good.example@evil.example/', 'https://user:pw@example.org', 'https://@example.org/', 'HTTP://a@b.example', 'http://a%40b@evil.example/']) {
      rejects({ type: 'url' }, bad, message);
    }
    for (const good of ['https://example.org/@ann', 'https://example.org/?to=a@b.example', 'https://example.org/#a@b']) {
      expect(errorsFor({ type: 'url' }, good), good).toEqual([]);
    }
  });
});

describe('validation stops as early as the field allows', () => {
  const EXAMPLES = fileURLToPath(new URL('../../examples/forms.yaml', import.meta.url));
  const base = { fullName: 'Ann', email: 'ann@example.org', acceptsCodeOfConduct: true };

  async function eventRegistration() {
    const loaded = await loadFormsFile(EXAMPLES);
    if (!loaded.ok) throw new Error('the examples must load');
    return loaded.value.get('event-registration')!;
  }

  it('a list with more items than the field has options is one problem', async () => {
    const form = await eventRegistration();
    for (const items of [Array(200_000).fill('vegan'), Array(200_000).fill(1), ['vegan', 'halal', 'kosher', 'vegan', 'vegan', 'vegan']]) {
      expect(form.validate({ ...base, dietary: items })).toEqual({ ok: false, error: [{ path: '/dietary', message: 'must have at most 5 choices' }] });
    }
    expect(form.validate({ ...base, sessions: Array(10).fill('panel') })).toEqual({ ok: false, error: [{ path: '/sessions', message: 'must have at most 3 choices' }] });
  });

  it('stops looking for unknown keys one past the cap', async () => {
    const form = await eventRegistration();
    const body = { ...base, ...Object.fromEntries(Array.from({ length: 90_000 }, (_, i) => [`k${i}`, i])) };
    const result = form.validate(body);
    expect(result.ok ? [] : result.error).toHaveLength(MAX_FIELD_ERRORS + 1);
    expect(result.ok ? undefined : result.error[0]).toEqual({ path: '/k0', message: 'unknown field' });
  });

  it('checks length before format, so a long value costs no regex time', async () => {
    const form = await eventRegistration();
    const started = Date.now();
    // Each of these took a backtracking regex over the whole value; the dotted one overflowed V8's regex stack.
    expect(form.validate({ ...base, email: `${'a'.repeat(4 << 20)}@example.org` })).toMatchObject({ ok: false, error: [{ path: '/email', message: 'must be at most 254 characters long' }] });
    expect(form.validate({ ...base, email: `a@${'a.'.repeat(8 << 20)}` })).toMatchObject({ ok: false, error: [{ path: '/email' }] });
    expect(form.validate({ ...base, fullName: 'x'.repeat(4 << 20) })).toMatchObject({ ok: false, error: [{ path: '/fullName' }] });
    // A generous "not stuck" bound; the figures are in the notes.
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
