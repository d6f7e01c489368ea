import { Hono } from 'hono';
import type { WebEnv } from '../env.ts';

/** Documents: lists, one document, its history, edit, delete, restore, CSV download. TODO(pages). */
export function documentPages() {
  return new Hono<WebEnv>();
}
