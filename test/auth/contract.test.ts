import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formgateProtocol, UserInfo } from '../../src/auth/protocols/formgate.ts';
import { lint } from '../support/redocly.ts';

/**
 * openapi/auth-service.yaml is written for identity-service authors; these checks keep it saying what
 * Formgate's reader of the `formgate` protocol actually does.
 */

interface Contract {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { examples?: Record<string, { value: unknown }> }> }> }>>;
  components: { schemas: Record<string, { required?: string[]; properties?: Record<string, unknown> }> };
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
});
