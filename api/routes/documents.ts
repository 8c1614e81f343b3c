import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findEnrollment } from '../../db/repositories/enrollments';
import { ENROLLMENT_ID_PATTERN } from '../../workflows/messages';
import { badRequest, errorSchema, forbidden, HttpError, notFound } from '../errors';
import {
  createDocumentStore,
  digestOf,
  DOCUMENT_CONTENT_TYPES,
  MAX_DOCUMENT_BYTES,
  type DocumentContentType,
} from '../services/document-store';

const stored = z.object({
  sha256: z.string(),
  sizeBytes: z.number().int(),
  contentType: z.enum(DOCUMENT_CONTENT_TYPES),
});

/**
 * The document store behind step 5: the parent's browser uploads each file's bytes here, then submits step 5 naming
 * the files by their SHA-256. A file is stored once however often it is sent (201 the first time, 200 after).
 */
/** Step 5 names at most 20 documents. */
const MAX_FILES_PER_ENROLLMENT = 20;

const documentRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.services;
  const store = createDocumentStore(app.services.documentsDir ?? '.data/documents');

  app.addContentTypeParser(
    [...DOCUMENT_CONTENT_TYPES],
    { parseAs: 'buffer', bodyLimit: MAX_DOCUMENT_BYTES },
    (_r, body, done) => done(null, body),
  );

  app.post(
    '/enrollments/:id/documents/files',
    {
      bodyLimit: MAX_DOCUMENT_BYTES,
      preHandler: app.requireRole('parent'),
      schema: {
        tags: ['enrollments'],
        summary: 'Upload one document file (PDF, JPEG or PNG, up to 10 MiB) for step 5; stored by its SHA-256',
        description:
          'The body is the file itself with its Content-Type. `X-Content-SHA256`, when sent, must be the SHA-256 ' +
          'of the body (hex): a file damaged on the way is refused, not stored.',
        params: z.object({
          id: z.string().regex(ENROLLMENT_ID_PATTERN, 'must be an enrollment id like TSA-ENROLL-20260101-ABC123'),
        }),
        headers: z.object({
          'content-type': z.string(),
          'x-content-sha256': z
            .string()
            .regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 digest: 64 lowercase hex digits')
            .optional(),
        }),
        body: z.unknown(),
        response: {
          200: stored,
          201: stored,
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
          404: errorSchema,
          409: errorSchema,
          413: errorSchema,
          415: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (request.user.enrollmentId !== id) throw forbidden('this token belongs to another enrollment');
      const contentType = request.headers['content-type'].split(';')[0]!.trim().toLowerCase() as DocumentContentType;
      if (!DOCUMENT_CONTENT_TYPES.includes(contentType) || !Buffer.isBuffer(request.body)) {
        throw new HttpError(
          415,
          'unsupported_media_type',
          `content-type: must be one of ${DOCUMENT_CONTENT_TYPES.join(', ')}`,
        );
      }
      if (request.body.length === 0)
        throw badRequest('body: must not be empty', [{ path: 'body', message: 'must not be empty' }]);
      const enrollment = await findEnrollment(db, id);
      if (!enrollment) throw notFound(`enrollment ${id} not found`);
      if (enrollment.status === 'cancelled' || enrollment.status === 'expired') {
        throw new HttpError(
          409,
          'enrollment_closed',
          `enrollment ${id} is ${enrollment.status}: it takes no more files`,
        );
      }

      const sha256 = digestOf(request.body);
      const expected = request.headers['x-content-sha256'];
      if (expected && expected !== sha256) {
        throw badRequest(`x-content-sha256: does not match the body (its SHA-256 is ${sha256})`, [
          { path: 'x-content-sha256', message: 'does not match the body' },
        ]);
      }
      // As many files as step 5 can name: a parent's token cannot fill the disk.
      const { files } = await db
        .selectFrom('enrollment_documents')
        .select((eb) => [
          eb.fn.countAll<string>().as('files'),
          eb.fn.countAll<string>().filterWhere('sha256', '=', sha256).as('same'),
        ])
        .where('enrollment_id', '=', id)
        .executeTakeFirstOrThrow()
        .then((r) => ({ files: Number(r.files) - Number(r.same) }));
      if (files >= MAX_FILES_PER_ENROLLMENT) {
        throw new HttpError(
          409,
          'too_many_documents',
          `enrollment ${id} already has ${files} files (at most ${MAX_FILES_PER_ENROLLMENT})`,
        );
      }
      const file = await store.put(request.body, sha256);
      const inserted = await db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('enrollment_documents')
          .values({ enrollment_id: id, sha256: file.sha256, content_type: contentType, size_bytes: file.sizeBytes })
          .onConflict((oc) => oc.columns(['enrollment_id', 'sha256']).doNothing())
          .returning('sha256')
          .executeTakeFirst();
        await request.audit(trx, { target: id, outcome: row ? 201 : 200, details: { sizeBytes: file.sizeBytes } });
        return row !== undefined;
      });
      return reply.status(inserted ? 201 : 200).send({ sha256: file.sha256, sizeBytes: file.sizeBytes, contentType });
    },
  );
};

export default documentRoutes;
