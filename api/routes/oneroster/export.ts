import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseExportOptions, rosterZip } from '../../services/roster-export';
import { OneRosterError } from '../../../standards/oneroster-api/status-info';
import { SCOPES } from '../../../standards/oneroster-api/scopes';

/** `GET …/export.zip?type=bulk|delta&since=`: the OneRoster 1.2 CSV zip, streamed as it is read. */
export function registerRosterExport(
  app: FastifyInstance,
  preHandler: (request: FastifyRequest, reply: FastifyReply) => Promise<void>,
): void {
  app.get<{ Querystring: Record<string, unknown> }>(
    '/export.zip',
    { preHandler, schema: { hide: true } },
    async (request, reply) => {
      const { type, since, ...rest } = request.query;
      const unknown = Object.keys(rest);
      if (unknown.length > 0)
        throw new OneRosterError(400, 'invaliddata', `unknown query parameter ${unknown.join(', ')}`);
      const options = parseExportOptions(type, since);
      if (typeof options === 'string') throw new OneRosterError(400, 'invaliddata', options);
      const name = options.type === 'bulk' ? 'roster-bulk.zip' : `roster-delta.zip`;
      return reply
        .type('application/zip')
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(
          rosterZip(app.services.db, {
            ...options,
            demographics: request.apiClient?.scopes.includes(SCOPES.rosterDemographicsReadonly) ?? false,
          }),
        );
    },
  );
}
