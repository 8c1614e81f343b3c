import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { newestChangeVersion } from '../../../db/repositories/change-versions';
import {
  EDFI_RESOURCES,
  readEdFiById,
  readEdFiDeletes,
  readEdFiPage,
  type EdFiQuery,
  type EdFiResource,
} from '../../../db/repositories/edfi-read';
import { SCOPES } from '../../../standards/oneroster-api/scopes';
import { badRequest, notFound, type FieldIssue } from '../../errors';
import { auditClientReads } from '../../plugins/client-credentials';

export const EDFI_DATA_PREFIX = '/data/v3/ed-fi';
export const EDFI_CHANGE_QUERIES_PREFIX = '/data/v3/changeQueries/v1';

export const EDFI_DEFAULT_LIMIT = 25;
export const EDFI_MAX_LIMIT = 500;

type Query = Record<string, string | string[] | undefined>;

const PAGING = ['limit', 'offset', 'totalCount', 'minChangeVersion', 'maxChangeVersion'];

function wholeNumber(value: string, name: string, issues: FieldIssue[], max?: number): number | undefined {
  if (!/^\d{1,15}$/.test(value) || (max !== undefined && Number(value) > max)) {
    issues.push({
      path: `querystring.${name}`,
      message: `must be a whole number${max === undefined ? '' : ` from 0 to ${max}`}`,
    });
    return undefined;
  }
  return Number(value);
}

/** Paging, totalCount, change-version bounds and natural keys, each refused by name when it is not what Ed-Fi takes. */
async function parseQuery(request: FastifyRequest, keyParams: EdFiResource['keys'] | undefined): Promise<EdFiQuery> {
  const query = request.query as Query;
  const issues: FieldIssue[] = [];
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(query)) {
    if (!PAGING.includes(name) && !(keyParams && name in keyParams)) {
      issues.push({ path: `querystring.${name}`, message: 'is not a parameter of this resource' });
    } else if (Array.isArray(value)) issues.push({ path: `querystring.${name}`, message: 'may be given once' });
    else if (value !== undefined) values[name] = value;
  }
  const limit =
    values.limit === undefined ? EDFI_DEFAULT_LIMIT : wholeNumber(values.limit, 'limit', issues, EDFI_MAX_LIMIT);
  const offset = values.offset === undefined ? 0 : wholeNumber(values.offset, 'offset', issues);
  if (values.totalCount !== undefined && values.totalCount !== 'true' && values.totalCount !== 'false') {
    issues.push({ path: 'querystring.totalCount', message: 'must be true or false' });
  }
  const min =
    values.minChangeVersion === undefined
      ? undefined
      : wholeNumber(values.minChangeVersion, 'minChangeVersion', issues);
  const max =
    values.maxChangeVersion === undefined
      ? undefined
      : wholeNumber(values.maxChangeVersion, 'maxChangeVersion', issues);
  const keys: Record<string, string | number> = {};
  for (const [name, param] of Object.entries(keyParams ?? {})) {
    const value = values[name];
    if (value === undefined) continue;
    if (param.type === 'integer') {
      const n = wholeNumber(value, name, issues);
      if (n !== undefined) keys[name] = n;
    } else if (param.type === 'date') {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) {
        issues.push({ path: `querystring.${name}`, message: 'must be a date YYYY-MM-DD' });
      } else keys[name] = value;
    } else keys[name] = value;
  }
  if (issues.length > 0) {
    throw badRequest(issues.map((i) => `${i.path.replace('querystring.', '')} ${i.message}`).join('; '), issues);
  }
  let changeVersions: EdFiQuery['changeVersions'];
  if (min !== undefined || max !== undefined) {
    // A version above the newest committed one may still be taken by a transaction in flight: never serve it yet.
    const newest = await newestChangeVersion(request.server.services.db);
    changeVersions = { min: min ?? 0, max: Math.min(max ?? newest, newest) };
  }
  return { keys, limit: limit!, offset: offset!, totalCount: values.totalCount === 'true', changeVersions };
}

/** Ed-Fi API resources (read) with change queries, under /data/v3. */
const edfiRoutes: FastifyPluginAsync = async (app) => {
  const { db } = app.services;
  auditClientReads(app);
  const edfiRead = app.requireClientScope(SCOPES.edfiReadonly);

  app.get(
    `${EDFI_CHANGE_QUERIES_PREFIX}/availableChangeVersions`,
    { preHandler: edfiRead, schema: { hide: true } },
    async () => ({
      oldestChangeVersion: 0,
      newestChangeVersion: await newestChangeVersion(db),
    }),
  );

  for (const resource of Object.values(EDFI_RESOURCES)) {
    const path = `${EDFI_DATA_PREFIX}/${resource.name}`;
    app.get(path, { preHandler: edfiRead, schema: { hide: true } }, async (request, reply) => {
      const page = await readEdFiPage(db, resource, await parseQuery(request, resource.keys));
      if (page.total !== undefined) reply.header('total-count', String(page.total));
      return page.items;
    });
    app.get(`${path}/deletes`, { preHandler: edfiRead, schema: { hide: true } }, async (request, reply) => {
      const { keys: _none, ...query } = await parseQuery(request, undefined);
      const page = await readEdFiDeletes(db, resource.name, query);
      if (page.total !== undefined) reply.header('total-count', String(page.total));
      return page.items;
    });
    app.get<{ Params: { id: string } }>(
      `${path}/:id`,
      { preHandler: edfiRead, schema: { hide: true } },
      async (request) => {
        const { id } = request.params;
        if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
          throw badRequest('id must be a resource id (a UUID)', [{ path: 'params.id', message: 'must be a UUID' }]);
        }
        const item = await readEdFiById(db, resource, id.toLowerCase());
        if (!item) throw notFound(`no ${resource.name} resource ${id}`);
        return item;
      },
    );
  }
};

export default edfiRoutes;
