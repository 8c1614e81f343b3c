import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { insertApiClient, listApiClients, revokeApiClient } from '../../db/repositories/api-clients';
import type { ApiClient } from '../../db/schema';
import { ALL_SCOPES, ROSTER_READ_SCOPES, SCOPES } from '../../standards/oneroster-api/scopes';
import { badRequest, errorSchema, notFound } from '../errors';
import { hashClientSecret, newClientCredentials } from '../plugins/client-credentials';
import { parseExportOptions, rosterZip } from '../services/roster-export';

const clientSchema = z.object({
  clientId: z.string(),
  name: z.string(),
  scopes: z.array(z.string()),
  createdBy: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});

const toClient = (row: ApiClient) => ({
  clientId: row.client_id,
  name: row.name,
  scopes: row.scopes,
  createdBy: row.created_by,
  createdAt: row.created_at.toISOString(),
  revokedAt: row.revoked_at?.toISOString() ?? null,
});

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema };

/** The standards APIs' ops side: OAuth clients registered and revoked (`npm run ops -- clients …`), the roster export. */
const standardsOpsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.services;
  const onlyOps = app.requireRole('ops');

  app.post(
    '/ops/api-clients',
    {
      preHandler: onlyOps,
      schema: {
        tags: ['ops'],
        summary: 'Register an API client; its secret is shown in this answer only',
        body: z.strictObject({
          name: z.string().trim().min(1).max(200),
          scopes: z
            .array(z.enum(ALL_SCOPES as [string, ...string[]]))
            .min(1)
            .default([...ROSTER_READ_SCOPES, SCOPES.edfiReadonly])
            .describe('roster and Ed-Fi reads when absent; demographics only when asked for'),
        }),
        response: { 201: clientSchema.extend({ clientSecret: z.string() }), ...errors },
      },
    },
    async (request, reply) => {
      const { clientId, clientSecret } = newClientCredentials();
      const row = await db.transaction().execute(async (trx) => {
        const created = await insertApiClient(trx, {
          clientId,
          name: request.body.name,
          secretHash: await hashClientSecret(clientSecret),
          scopes: [...new Set(request.body.scopes)],
          createdBy: request.user.sub,
        });
        await request.audit(trx, { target: clientId, outcome: 201 });
        return created;
      });
      return reply.status(201).send({ ...toClient(row), clientSecret });
    },
  );

  app.get(
    '/ops/api-clients',
    {
      preHandler: onlyOps,
      schema: {
        tags: ['ops'],
        summary: 'Registered API clients, revoked ones included',
        response: { 200: z.object({ clients: z.array(clientSchema) }), ...errors },
      },
    },
    async () => ({ clients: (await listApiClients(db)).map(toClient) }),
  );

  app.post(
    '/ops/api-clients/:clientId/revoke',
    {
      preHandler: onlyOps,
      schema: {
        tags: ['ops'],
        summary: 'Revoke an API client: its tokens stop working at once',
        params: z.object({ clientId: z.string().min(1).max(100) }),
        response: { 200: clientSchema, ...errors },
      },
    },
    async (request) => {
      request.auditContext.target = request.params.clientId;
      const row = await revokeApiClient(db, request.params.clientId);
      if (!row) throw notFound(`API client ${request.params.clientId} not found`);
      return toClient(row);
    },
  );

  app.get(
    '/ops/roster-export.zip',
    {
      preHandler: onlyOps,
      schema: {
        tags: ['ops'],
        summary: 'The OneRoster 1.2 CSV zip (what `npm run ops -- export-roster` writes)',
        querystring: z.strictObject({
          type: z.enum(['bulk', 'delta']).optional(),
          since: z.string().max(40).optional().describe('ISO date-time; a delta export of rows changed after it'),
        }),
      },
    },
    async (request, reply) => {
      const options = parseExportOptions(request.query.type, request.query.since);
      if (typeof options === 'string') throw badRequest(options, [{ path: 'querystring.since', message: options }]);
      // Reads are not audited by the audit-log plugin; a whole roster leaving is.
      await request.audit(db, { target: `roster-export:${options.type}`, outcome: 200 });
      return reply.type('application/zip').send(rosterZip(db, options));
    },
  );
};

export default standardsOpsRoutes;
