import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/** The file types a parent may upload and the largest size; scans and phone photos of the required documents. */
export const DOCUMENT_CONTENT_TYPES = ['application/pdf', 'image/jpeg', 'image/png'] as const;
export type DocumentContentType = (typeof DOCUMENT_CONTENT_TYPES)[number];
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;

export interface StoredDocument {
  sha256: string;
  sizeBytes: number;
  /** False when a file with these bytes was already there. */
  created: boolean;
}

/**
 * Content-addressed files on local disk (`DATA_DIR/documents/ab/abcd…`): a file's name is its SHA-256, so the same
 * bytes are stored once and an upload repeated after a lost answer changes nothing. A file is written under a
 * temporary name and renamed into place, so a reader never sees half of one.
 */
export const digestOf = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export function createDocumentStore(root: string) {
  const pathOf = (sha256: string) => path.join(root, sha256.slice(0, 2), sha256);
  return {
    pathOf,
    /** Stores `bytes`, whose SHA-256 (`digestOf`) the caller has checked. */
    async put(bytes: Buffer, sha256: string): Promise<StoredDocument> {
      const target = pathOf(sha256);
      const existing = await fs.stat(target).catch(() => undefined);
      if (existing?.size === bytes.length) return { sha256, sizeBytes: bytes.length, created: false };
      await fs.mkdir(path.dirname(target), { recursive: true });
      const temporary = `${target}.${randomUUID()}.partial`;
      await fs.writeFile(temporary, bytes);
      await fs.rename(temporary, target);
      return { sha256, sizeBytes: bytes.length, created: true };
    },
  };
}
export type DocumentStore = ReturnType<typeof createDocumentStore>;
