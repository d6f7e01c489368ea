import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formgateProtocol, UserInfo } from '../../src/auth/protocols/formgate.ts';
import { USER_ID_MAX_CHARS } from '../../src/auth/user-id.ts';
import { lint } from '../support/redocly.ts';

/**
 * openapi/auth-service.yaml is written for identity-service authors; these checks keep it saying what
 * Formgate's reader of the `formgate` protocol actually does.
 */

interface Contract {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { examples?: Record<string, { value: unknown }> }> }> }>>;
  components: { schemas: Record<string, { required?: string[]; properties?: Record<string, { maxLength?: number; pattern?: string }> }> };
}

const contract = parse(await readFile(new URL('../../openapi/auth-service.yaml', import.meta.url), 'utf8')) as Contract;
const validate = contract.paths['/validate']?.post;

const answer = (status: number, body: unknown = undefined) => ({
  status,
  headers: new Headers(body === undefined ? {} : { 'content-type': 'application/json' }),
  body: body === undefined ? '' : JSON.stringify(body),
});

describe('openapi/auth-service.yaml, the identity-service contract', () => {
  it('passes `redocly lint` without errors or warnings', async () => {
    const result = await lint('openapi/auth-service.yaml');
    expect(result.problems).toEqual([]);
    expect(result.code).toBe(0);
  }, 60_000);

  it('lists exactly the UserInfo members Formgate reads, with only userId required', () => {
    const schema = contract.components.schemas.UserInfo;
    expect(Object.keys(schema?.properties ?? {}).sort()).toEqual(Object.keys(UserInfo.shape).sort());
    expect(schema?.required).toEqual(['userId']);
  });

  it('gives 200 examples that Formgate accepts as identities', () => {
    const examples = Object.values(validate?.responses['200']?.content?.['application/json']?.examples ?? {});
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) {
      const verdict = formgateProtocol().interpret(answer(200, example.value));
      expect(verdict, JSON.stringify(example.value)).toMatchObject({ kind: 'valid', identity: { userId: (example.value as { userId: string }).userId } });
    }
  });

  it('documents every status Formgate reads, with the meaning Formgate gives it', () => {
    const documented = Object.keys(validate?.responses ?? {}).sort();
    expect(documented).toEqual(['200', '401', '403', '429', '5XX']);
    expect(formgateProtocol().interpret(answer(401)).kind).toBe('rejected');
    expect(formgateProtocol().interpret(answer(403)).kind).toBe('rejected');
    for (const status of [429, 500, 503]) {
      expect(formgateProtocol().interpret(answer(status))).toMatchObject({ kind: 'failed', failure: { kind: 'unavailable' } });
    }
    // Anything undocumented is the service breaking the contract: 502, not a guess.
    expect(formgateProtocol().interpret(answer(404))).toMatchObject({ kind: 'failed', failure: { kind: 'violation' } });
  });

  it('bounds userId as Formgate does: the same length, counted the same way, and the same characters', () => {
    const userId = contract.components.schemas.UserInfo?.properties?.userId;
    expect(userId?.maxLength).toBe(USER_ID_MAX_CHARS);
    const pattern = new RegExp(userId?.pattern ?? '', 'u');
    // JSON Schema's maxLength counts code points; `pattern` is an ECMA-262 regular expression.
    const schemaAccepts = (id: string) => [...id].length >= 1 && [...id].length <= (userId?.maxLength ?? 0) && pattern.test(id);
    const formgateAccepts = (id: string) => formgateProtocol().interpret(answer(200, { userId: id })).kind === 'valid';
    // Lone surrogates are left out: JSON Schema has no word for well-formedness, which the description states.
    const ids = [
      'alice', 'a'.repeat(255), 'a'.repeat(256), '\u{1F600}'.repeat(255), '\u{1F600}'.repeat(256), ' alice ', '   ', '\u3000', '\ufeff', '\ufeffbob', 'bob\ufeff',
      'a\u0000b', 'a\tb', 'a\nb', 'a\u001f', 'a\u007f', 'a\u0085', 'a\u009f', 'a\u00a0b', 'a\u2028', 'a\u2029', 'a\u061c', 'a\u200e', 'a\u200f', 'a\u202a', 'a\u202e',
      'a\u2066', 'a\u2069', 'a\u200d\u{1F4BB}', 'é', '\u{10FFFF}',
    ];
    for (const id of ids) expect(schemaAccepts(id), JSON.stringify(id)).toBe(formgateAccepts(id));
  });
});
