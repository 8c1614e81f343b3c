/** OneRoster 1.2 `imsx_StatusInfoDType`: the body of every refused request on the rostering service. */
export type CodeMinor =
  | 'invalid_filter_field'
  | 'invalid_selection_field'
  | 'invaliddata'
  | 'unauthorisedrequest'
  | 'forbidden'
  | 'unknownobject'
  | 'server_busy'
  | 'internal_server_error';

export interface StatusInfo {
  imsx_codeMajor: 'failure' | 'unsupported';
  imsx_severity: 'error';
  imsx_description: string;
  imsx_CodeMinor: { imsx_codeMinorField: { imsx_codeMinorFieldName: string; imsx_codeMinorFieldValue: CodeMinor }[] };
}

/** A refusal the rostering service answers with its HTTP status and an `imsx_StatusInfo` body. */
export class OneRosterError extends Error {
  constructor(
    readonly statusCode: number,
    readonly codeMinor: CodeMinor,
    message: string,
  ) {
    super(message);
    this.name = 'OneRosterError';
  }
}

export function statusInfo(codeMinor: CodeMinor, description: string): StatusInfo {
  return {
    imsx_codeMajor: 'failure',
    imsx_severity: 'error',
    imsx_description: description,
    imsx_CodeMinor: {
      imsx_codeMinorField: [{ imsx_codeMinorFieldName: 'TargetEndSystem', imsx_codeMinorFieldValue: codeMinor }],
    },
  };
}
