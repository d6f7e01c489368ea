import { v7 as uuidv7 } from 'uuid';

// UUIDv7 puts the creation time first, so ordering by id is ordering by creation: the keyset lists rely on it.
export const newDocumentId = (): string => uuidv7();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether text can name a document at all; anything else must not reach a uuid column. */
export const isDocumentId = (text: string): boolean => UUID.test(text);
