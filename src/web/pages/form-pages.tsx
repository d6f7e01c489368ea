import { Hono } from 'hono';
import type { WebEnv } from '../env.ts';

/** Fill in a form: `/forms/:form/new` (GET the empty form, POST to create). TODO(pages). */
export function formPages() {
  return new Hono<WebEnv>();
}
