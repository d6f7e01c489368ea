import { Hono } from 'hono';
import type { WebEnv } from '../env.ts';
import { documentDeletePages } from './document-delete.tsx';
import { documentEditPages } from './document-edit.tsx';
import { documentListPages } from './document-list.tsx';
import { documentViewPages } from './document-view.tsx';

/** Documents: lists and CSV download, one document and its history, edit, delete, restore. */
export function documentPages() {
  const pages = new Hono<WebEnv>();
  // The list's `documents.csv` is registered before `documents/:id` could be asked about it.
  pages.route('/', documentListPages());
  pages.route('/', documentViewPages());
  pages.route('/', documentEditPages());
  pages.route('/', documentDeletePages());
  return pages;
}
