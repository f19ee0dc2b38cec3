import { RouterError, RouterErrorCode } from './router.error.js';

export interface ParsedUrn {
  logicId: string;
  /** Decoded values by key; the order of segments in the URN does not matter. */
  params: Record<string, string>;
}

const MAX_LENGTH = 2048;
const LOGIC_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/i;
const PARAM_KEY = /^[a-z][a-z0-9_.-]{0,63}$/i;

/**
 * Parses `urn:<namespace>:<ol-id>[:<key>=<value>]*`. A `model` outside the namespace is an
 * unknown model (404); a URN of this namespace with bad syntax is a 400 naming the segment.
 */
export function parseUrn(model: string, namespace: string): ParsedUrn {
  const segments = model.split(':');
  if (segments.length < 2 || segments[0].toLowerCase() !== 'urn' || segments[1] !== namespace) {
    throw new RouterError(
      RouterErrorCode.UNKNOWN_MODEL,
      `The model '${clip(model)}' does not exist: models of this service are URNs 'urn:${namespace}:<ol-id>[:key=value]…' (see GET /v1/models)`,
      'model',
    );
  }
  if (model.length > MAX_LENGTH)
    throw malformed(`the model URN is longer than ${MAX_LENGTH} characters`);
  const logicId = segments[2] ?? '';
  if (!LOGIC_ID.test(logicId)) {
    throw malformed(`segment 3 '${clip(logicId)}' must be an OL id (letters, digits, '_', '-')`);
  }
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  for (let i = 3; i < segments.length; i++) {
    const segment = segments[i];
    const where = `segment ${i + 1} '${clip(segment)}'`;
    const eq = segment.indexOf('=');
    if (segment === '') throw malformed(`segment ${i + 1} is empty`);
    if (eq <= 0) throw malformed(`${where} must be key=value`);
    const key = segment.slice(0, eq);
    if (!PARAM_KEY.test(key)) throw malformed(`${where} has an invalid key`);
    if (key in params) throw malformed(`${where} repeats the key '${key}'`);
    try {
      params[key] = decodeURIComponent(segment.slice(eq + 1));
    } catch {
      throw malformed(`${where} has a malformed percent-encoding`);
    }
  }
  return { logicId, params: { ...params } };
}

/** The URN naming an OL with these params; values are encoded only where they would clash. */
export function formatUrn(
  namespace: string,
  logicId: string,
  params: Record<string, string> = {},
): string {
  let urn = `urn:${namespace}:${logicId}`;
  for (const [key, value] of Object.entries(params)) {
    // eslint-disable-next-line no-control-regex -- control characters are exactly what must be encoded
    urn += `:${key}=${value.replace(/[%:\s\u0000-\u001f\u007f]/g, (c) => encodeURIComponent(c))}`;
  }
  return urn;
}

function malformed(detail: string): RouterError {
  return new RouterError(RouterErrorCode.MALFORMED_URN, `Invalid model URN: ${detail}`, 'model');
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
