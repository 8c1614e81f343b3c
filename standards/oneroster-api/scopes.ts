/** OAuth 2.0 scopes of the standards APIs: OneRoster's as its OpenAPI names them, and one for the Ed-Fi resources. */
export const SCOPES = {
  rosterReadonly: 'https://purl.imsglobal.org/spec/or/v1p2/scope/roster.readonly',
  rosterCoreReadonly: 'https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly',
  rosterDemographicsReadonly: 'https://purl.imsglobal.org/spec/or/v1p2/scope/roster-demographics.readonly',
  /** Ed-Fi APIs authorise by claim sets, not scopes; TSA names its read-only claim set as a scope. */
  edfiReadonly: 'urn:tsa:scope:edfi.readonly',
} as const;

export const ALL_SCOPES: readonly string[] = Object.values(SCOPES);

/** The rostering reads (everything but demographics) accept either scope, as the OpenAPI's security lists them. */
export const ROSTER_READ_SCOPES: readonly string[] = [SCOPES.rosterReadonly, SCOPES.rosterCoreReadonly];
