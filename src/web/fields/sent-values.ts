import type { FormValues, ParsedBody } from './form-values.ts';

/**
 * Every text value of a form body but the page's own fields (`_csrf`, `_version`, `_read`): what a person
 * sent, kept as sent when the form itself could not be read to sort it (their session had ended).
 */
export function sentValues(body: ParsedBody): FormValues {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(body)) {
    if (name.startsWith('_')) continue;
    const texts = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
    if (texts.length === 1) out[name] = texts[0]!;
    else if (texts.length > 1) out[name] = texts;
  }
  return out;
}
