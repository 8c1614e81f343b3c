import { createHash, createHmac, randomBytes } from 'node:crypto';

export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
export function randomCode(length: number): string {
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('');
}

export function newEnrollmentId(now = new Date()): string {
  return `TSA-ENROLL-${now.toISOString().slice(0, 10).replaceAll('-', '')}-${randomCode(6)}`;
}

/**
 * The invitation token is derived from its id with a server secret: the same id always yields the same token (so a
 * repeated create answers the same), yet nobody can forge one. Only its hash is stored.
 */
export function invitationToken(secret: string, invitationId: string): string {
  return createHmac('sha256', secret).update(`invitation:${invitationId}`).digest('base64url');
}
