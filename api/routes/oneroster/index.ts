import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { toOneRosterUser } from '../../../standards';
import {
  academicSessionSource,
  demographicsSource,
  orgSource,
  readOne,
  readPage,
  isSchool,
  userSource,
  type CollectionSource,
} from '../../../db/repositories/oneroster-read';
import {
  toOneRosterAcademicSession,
  toOneRosterDemographics,
  toOneRosterOrg,
} from '../../../standards/oneroster-api/mapping';
import { paginationLinks, parseCollectionParams, selectFields } from '../../../standards/oneroster-api/params';
import { ROSTER_READ_SCOPES, SCOPES } from '../../../standards/oneroster-api/scopes';
import { OneRosterError, statusInfo, type CodeMinor } from '../../../standards/oneroster-api/status-info';
import { HttpError } from '../../errors';
import { auditClientReads } from '../../plugins/client-credentials';
import { registerRosterExport } from './export';

export const ONEROSTER_PREFIX = '/ims/oneroster/rostering/v1p2';

const USER_PROPERTIES = [
  'sourcedId',
  'status',
  'dateLastModified',
  'metadata',
  'userMasterIdentifier',
  'username',
  'userIds',
  'enabledUser',
  'givenName',
  'familyName',
  'middleName',
  'preferredFirstName',
  'preferredMiddleName',
  'preferredLastName',
  'pronouns',
  'roles',
  'userProfiles',
  'primaryOrg',
  'identifier',
  'email',
  'sms',
  'phone',
  'agents',
  'grades',
  'password',
  'resources',
];
const ORG_PROPERTIES = [
  'sourcedId',
  'status',
  'dateLastModified',
  'metadata',
  'name',
  'type',
  'identifier',
  'parent',
  'children',
];
const DEMOGRAPHICS_PROPERTIES = [
  'sourcedId',
  'status',
  'dateLastModified',
  'metadata',
  'birthDate',
  'sex',
  'americanIndianOrAlaskaNative',
  'asian',
  'blackOrAfricanAmerican',
  'nativeHawaiianOrOtherPacificIslander',
  'white',
  'demographicRaceTwoOrMoreRaces',
  'hispanicOrLatinoEthnicity',
  'countryOfBirthCode',
  'stateOfBirthAbbreviation',
  'cityOfBirth',
  'publicSchoolResidenceStatus',
];
const ACADEMIC_SESSION_PROPERTIES = [
  'sourcedId',
  'status',
  'dateLastModified',
  'metadata',
  'title',
  'startDate',
  'endDate',
  'type',
  'parent',
  'children',
  'schoolYear',
];

/** Sub-collections are `roster.readonly` only; the top-level reads accept `roster-core.readonly` too (the OpenAPI). */
const ROSTER_FULL = [SCOPES.rosterReadonly];

const CODE_MINOR_BY_STATUS: Record<number, CodeMinor> = {
  400: 'invaliddata',
  401: 'unauthorisedrequest',
  403: 'forbidden',
  404: 'unknownobject',
  429: 'server_busy',
};

export const oneRosterBaseUrl = (request: FastifyRequest) => `${request.protocol}://${request.host}${ONEROSTER_PREFIX}`;

interface Resource<Row> {
  /** Envelope names: `{ users: [...] }`, `{ user: {...} }`. */
  plural: string;
  singular: string;
  properties: string[];
  toJson(row: Row, baseUrl: string): object;
}

const users: Resource<Parameters<typeof toOneRosterUser>[0]> = {
  plural: 'users',
  singular: 'user',
  properties: USER_PROPERTIES,
  toJson: (row, baseUrl) => toOneRosterUser(row, { baseUrl }),
};
const orgs: Resource<Parameters<typeof toOneRosterOrg>[0]> = {
  plural: 'orgs',
  singular: 'org',
  properties: ORG_PROPERTIES,
  toJson: toOneRosterOrg,
};
const demographics: Resource<Parameters<typeof toOneRosterDemographics>[0]> = {
  plural: 'demographics',
  singular: 'demographics',
  properties: DEMOGRAPHICS_PROPERTIES,
  toJson: (row) => toOneRosterDemographics(row),
};
const academicSessions: Resource<Parameters<typeof toOneRosterAcademicSession>[0]> = {
  plural: 'academicSessions',
  singular: 'academicSession',
  properties: ACADEMIC_SESSION_PROPERTIES,
  toJson: (row) => toOneRosterAcademicSession(row),
};

/**
 * Objects the product does not hold. Their collections answer an empty set and their single objects 404
 * `unknownobject`: the binding's own answers for "no such records", so a consumer that walks every endpoint works
 * unchanged (an HTTP 501 would stop most sync tools). See the README, "Standards APIs".
 */
const UNHELD_COLLECTIONS: [path: string, envelope: string][] = [
  ['/classes', 'classes'],
  ['/courses', 'courses'],
  ['/enrollments', 'enrollments'],
  ['/gradingPeriods', 'academicSessions'],
  ['/terms', 'academicSessions'],
  ['/classes/:classSourcedId/students', 'users'],
  ['/classes/:classSourcedId/teachers', 'users'],
  ['/courses/:courseSourcedId/classes', 'classes'],
  ['/schools/:schoolSourcedId/classes', 'classes'],
  ['/schools/:schoolSourcedId/classes/:classSourcedId/enrollments', 'enrollments'],
  ['/schools/:schoolSourcedId/classes/:classSourcedId/students', 'users'],
  ['/schools/:schoolSourcedId/classes/:classSourcedId/teachers', 'users'],
  ['/schools/:schoolSourcedId/courses', 'courses'],
  ['/schools/:schoolSourcedId/enrollments', 'enrollments'],
  ['/schools/:schoolSourcedId/terms', 'academicSessions'],
  ['/students/:studentSourcedId/classes', 'classes'],
  ['/teachers/:teacherSourcedId/classes', 'classes'],
  ['/terms/:termSourcedId/classes', 'classes'],
  ['/terms/:termSourcedId/gradingPeriods', 'academicSessions'],
  ['/users/:userSourcedId/classes', 'classes'],
];
const UNHELD_OBJECTS = [
  '/classes/:sourcedId',
  '/courses/:sourcedId',
  '/enrollments/:sourcedId',
  '/gradingPeriods/:sourcedId',
  '/terms/:sourcedId',
];

type Query = Record<string, string | string[] | undefined>;

/** The OneRoster 1.2 Rostering REST binding (read), under /ims/oneroster/rostering/v1p2. */
const oneRosterRoutes: FastifyPluginAsync = async (app) => {
  const { db } = app.services;

  // Every refusal here is an imsx_StatusInfo, whatever raised it.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof OneRosterError) {
      return reply.status(error.statusCode).send(statusInfo(error.codeMinor, error.message));
    }
    const status = error instanceof HttpError ? error.statusCode : (error.statusCode ?? 500);
    const codeMinor = CODE_MINOR_BY_STATUS[status];
    if (status < 500 && codeMinor) return reply.status(status).send(statusInfo(codeMinor, error.message));
    request.log.error({ err: error }, 'unexpected error');
    return reply.status(500).send(statusInfo('internal_server_error', `internal error (request ${request.id})`));
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send(statusInfo('unknownobject', `no such endpoint: ${request.method} ${request.url.split('?')[0]}`)),
  );
  auditClientReads(app);

  const rosterCore = app.requireClientScope(...ROSTER_READ_SCOPES);
  const rosterFull = app.requireClientScope(...ROSTER_FULL);
  const demographicsScope = app.requireClientScope(SCOPES.rosterDemographicsReadonly);

  async function sendPage<Row>(
    request: FastifyRequest,
    reply: FastifyReply,
    source: CollectionSource<Row>,
    resource: Resource<Row>,
  ) {
    const params = parseCollectionParams(request.query as Query, {
      queryable: new Set(Object.keys(source.fields)),
      selectable: new Set(resource.properties),
    });
    const page = await readPage(db, source, params);
    const baseUrl = oneRosterBaseUrl(request);
    const url = new URL(request.url, `${request.protocol}://${request.host}`);
    reply.header('x-total-count', String(page.total)).header('link', paginationLinks(url, params, page.total));
    return { [resource.plural]: page.rows.map((row) => selectFields(resource.toJson(row, baseUrl), params.fields)) };
  }

  async function sendOne<Row>(
    request: FastifyRequest<{ Params: { sourcedId: string } }>,
    source: CollectionSource<Row>,
    resource: Resource<Row>,
  ) {
    const params = parseCollectionParams(
      Object.fromEntries(Object.entries(request.query as Query).filter(([k]) => k === 'fields')),
      { queryable: new Set(), selectable: new Set(resource.properties) },
    );
    const row = await readOne(db, source, request.params.sourcedId);
    if (!row) throw new OneRosterError(404, 'unknownobject', `no ${resource.singular} ${request.params.sourcedId}`);
    return { [resource.singular]: selectFields(resource.toJson(row, oneRosterBaseUrl(request)), params.fields) };
  }

  const collections: [string, CollectionSource<any>, Resource<any>, typeof rosterCore][] = [
    ['/users', userSource({ kind: 'all' }), users, rosterCore],
    ['/students', userSource({ kind: 'students' }), users, rosterCore],
    ['/teachers', userSource({ kind: 'teachers' }), users, rosterCore],
    ['/orgs', orgSource(false), orgs, rosterCore],
    ['/schools', orgSource(true), orgs, rosterCore],
    ['/demographics', demographicsSource, demographics, demographicsScope],
    ['/academicSessions', academicSessionSource, academicSessions, rosterCore],
  ];
  for (const [path, source, resource, preHandler] of collections) {
    app.get(path, { preHandler, schema: { hide: true } }, (request, reply) =>
      sendPage(request, reply, source, resource),
    );
    app.get<{ Params: { sourcedId: string } }>(
      `${path}/:sourcedId`,
      { preHandler, schema: { hide: true } },
      (request) => sendOne(request, source, resource),
    );
  }

  for (const kind of ['students', 'teachers'] as const) {
    app.get<{ Params: { schoolSourcedId: string } }>(
      `/schools/:schoolSourcedId/${kind}`,
      { preHandler: rosterFull, schema: { hide: true } },
      async (request, reply) => {
        const { schoolSourcedId } = request.params;
        if (!(await isSchool(db, schoolSourcedId))) {
          throw new OneRosterError(404, 'unknownobject', `no school ${schoolSourcedId}`);
        }
        return sendPage(request, reply, userSource({ kind, schoolOrg: schoolSourcedId }), users);
      },
    );
  }

  for (const [path, envelope] of UNHELD_COLLECTIONS) {
    app.get(
      path,
      { preHandler: path.split('/').length > 2 ? rosterFull : rosterCore, schema: { hide: true } },
      (request, reply) => {
        const params = parseCollectionParams(request.query as Query, {
          queryable: new Set(['sourcedId']),
          selectable: new Set(['sourcedId']),
        });
        const url = new URL(request.url, `${request.protocol}://${request.host}`);
        reply.header('x-total-count', '0').header('link', paginationLinks(url, params, 0));
        return reply.send({ [envelope]: [] });
      },
    );
  }
  for (const path of UNHELD_OBJECTS) {
    app.get<{ Params: { sourcedId: string } }>(
      path,
      { preHandler: rosterCore, schema: { hide: true } },
      async (request) => {
        throw new OneRosterError(
          404,
          'unknownobject',
          `no ${path.split('/')[1]} object ${request.params.sourcedId}: this service holds none`,
        );
      },
    );
  }

  registerRosterExport(app, rosterCore);
};

export default oneRosterRoutes;
