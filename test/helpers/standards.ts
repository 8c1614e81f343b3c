import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The standards' own machine-readable definitions (byte-exact copies, see fixtures/standards/SOURCES.md). */
const standardsDir = path.join(__dirname, '..', 'fixtures', 'standards');
const readStandard = (file: string): any => JSON.parse(readFileSync(path.join(standardsDir, file), 'utf8'));

export const descriptorFile: Record<string, string[]> = readStandard('edfi-ds52-descriptors.json');
export const knownDescriptors = new Set(Object.values(descriptorFile).flat());

const ajv2020 = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv2020);
/** Ed-Fi DS 5.2 `jsonSchemaForInsert` validators (JSON Schema 2020-12). */
export const edFi = {
  student: ajv2020.compile(readStandard('edfi-ds52-student.schema.json')),
  studentSchoolAssociation: ajv2020.compile(readStandard('edfi-ds52-studentschoolassociation.schema.json')),
  studentEducationOrganizationAssociation: ajv2020.compile(
    readStandard('edfi-ds52-studenteducationorganizationassociation.schema.json'),
  ),
};

// OpenAPI 3.0 schemas are draft-04-like: the default Ajv class reads them once `$ref`s can resolve in the document.
const ONEROSTER_ID =
  'https://purl.imsglobal.org/spec/or/v1p2/schema/openapi/onerosterv1p2rostersservice_openapi3_v1p0.json';
const ajvOpenApi = new Ajv({ allErrors: true, strict: false });
addFormats(ajvOpenApi);
ajvOpenApi.addSchema({
  $id: ONEROSTER_ID,
  components: { schemas: readStandard('oneroster-v1p2-rostering-openapi.json').components.schemas },
});
/** OneRoster 1.2 rostering validators. */
export const oneRoster = {
  user: ajvOpenApi.getSchema(`${ONEROSTER_ID}#/components/schemas/UserDType`)!,
  userSet: ajvOpenApi.getSchema(`${ONEROSTER_ID}#/components/schemas/UserSetDType`)!,
};

const edFiMore: Record<string, string[]> = readStandard('edfi-ds52-descriptors-more.json');
for (const value of Object.values(edFiMore).flat()) knownDescriptors.add(value);

/** The further Ed-Fi resources the API serves. */
export const edFiServed = {
  ...edFi,
  school: ajv2020.compile(readStandard('edfi-ds52-school.schema.json')),
  contact: ajv2020.compile(readStandard('edfi-ds52-contact.schema.json')),
  studentContactAssociation: ajv2020.compile(readStandard('edfi-ds52-studentcontactassociation.schema.json')),
};

const oneRosterSchema = (name: string) => ajvOpenApi.getSchema(`${ONEROSTER_ID}#/components/schemas/${name}`)!;
/** Every envelope the rostering service answers, by its OpenAPI schema name. */
export const oneRosterEnvelopes = {
  userSet: oneRosterSchema('UserSetDType'),
  singleUser: oneRosterSchema('SingleUserDType'),
  orgSet: oneRosterSchema('OrgSetDType'),
  singleOrg: oneRosterSchema('SingleOrgDType'),
  demographicsSet: oneRosterSchema('DemographicsSetDType'),
  singleDemographics: oneRosterSchema('SingleDemographicsDType'),
  academicSessionSet: oneRosterSchema('AcademicSessionSetDType'),
  singleAcademicSession: oneRosterSchema('SingleAcademicSessionDType'),
  classSet: oneRosterSchema('ClassSetDType'),
  courseSet: oneRosterSchema('CourseSetDType'),
  enrollmentSet: oneRosterSchema('EnrollmentSetDType'),
  statusInfo: oneRosterSchema('imsx_StatusInfoDType'),
};
