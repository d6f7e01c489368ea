import { describe, expect, it } from 'vitest';
import { prefers } from '../../src/http/negotiate.ts';

describe('prefers: does an Accept header weigh one type above another', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['text/csv', true],
    ['TEXT/CSV', true],
    ['text/csv; header=present', true],
    ['application/json', false],
    ['*/*', false],
    ['text/*', true],
    // a tie goes to the usual type, whatever the order
    ['text/csv, application/json', false],
    ['application/json, text/csv', false],
    ['text/csv, */*', false],
    ['application/json;q=0.5, text/csv', true],
    ['text/csv;q=0.5, application/json', false],
    ['text/csv;q=0.9, */*;q=0.8', true],
    ['text/csv;q=0', false],
    ['text/*;q=0.2, application/*;q=0.1', true],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', false],
    // the exact range wins over a broader one, whichever q is larger
    ['text/*, text/csv;q=0.1, application/json;q=0.5', false],
  ])('Accept %j prefers text/csv to JSON: %s', (accept, expected) => {
    expect(prefers(accept, 'text/csv', 'application/json')).toBe(expected);
  });
});
