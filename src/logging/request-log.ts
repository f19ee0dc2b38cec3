import type { Response } from 'express';

/**
 * Fields that the request's completion log line carries (set as the request is served);
 * `user` and `keyId` come from the authenticated caller (`getCaller`), not from here.
 */
export interface RequestLogFields {
  urn?: string;
  ol?: string;
  connector?: string;
  usage?: { prompt_tokens: number; completion_tokens: number };
  stream?: boolean;
}

const FIELDS = Symbol('requestLogFields');
type Annotated = Response & { [FIELDS]?: RequestLogFields };

export function annotateRequestLog(res: Response, fields: RequestLogFields): void {
  const annotated = res as Annotated;
  annotated[FIELDS] = Object.assign(annotated[FIELDS] ?? {}, fields);
}

export function requestLogFields(res: Response): RequestLogFields | undefined {
  return (res as Annotated)[FIELDS];
}
