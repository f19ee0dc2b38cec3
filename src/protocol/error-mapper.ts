import { HttpException } from '@nestjs/common';
import { AuthError, AuthErrorCode } from '../auth/auth.error.js';
import { ConnectorError, ConnectorErrorCode } from '../connectors/connector.error.js';
import {
  OrchestrationError,
  OrchestrationErrorCode,
} from '../orchestration/orchestration.error.js';
import { RouterError, RouterErrorCode } from '../router/router.error.js';
import { TemplatesError, TemplatesErrorCode } from '../templates/templates.error.js';
import { ToolsError, ToolsErrorCode } from '../tools/tools.error.js';
import { StorageError, StorageErrorCode } from '../storage/storage.error.js';
import { openAiError, type MappedError } from './openai-error.js';
import { ProtocolError, ProtocolErrorCode } from './protocol.error.js';

const INVALID = 'invalid_request_error';

/**
 * The one place where errors become HTTP: every module's error codes map here with an
 * exhaustive switch, so a new code that nobody mapped fails to compile.
 */
export function mapError(error: unknown): MappedError {
  if (error instanceof ProtocolError) return mapProtocol(error);
  if (error instanceof RouterError) return mapRouter(error);
  if (error instanceof OrchestrationError) return mapOrchestration(error);
  if (error instanceof ConnectorError) return mapConnector(error);
  if (error instanceof ToolsError) return mapTools(error);
  if (error instanceof TemplatesError) return mapTemplates(error);
  if (error instanceof AuthError) return mapAuth(error);
  if (error instanceof StorageError) return mapStorage(error);
  if (error instanceof HttpException) return mapHttpException(error);
  return serverError();
}

function mapProtocol(e: ProtocolError): MappedError {
  switch (e.code) {
    case ProtocolErrorCode.INVALID_REQUEST:
      return openAiError(400, INVALID, e.message, 'invalid_value', e.param);
    case ProtocolErrorCode.UNSUPPORTED:
      return openAiError(400, INVALID, e.message, 'unsupported_value', e.param);
    case ProtocolErrorCode.UNSUPPORTED_PARAMETER:
      return openAiError(400, INVALID, e.message, 'unsupported_parameter', e.param);
    case ProtocolErrorCode.MODEL_NOT_FOUND:
      return openAiError(404, INVALID, e.message, 'model_not_found', e.param);
    case ProtocolErrorCode.RESPONSE_NOT_FOUND:
      return openAiError(404, INVALID, e.message, 'not_found', e.param);
    case ProtocolErrorCode.BODY_TOO_LARGE:
      return openAiError(413, INVALID, e.message, 'request_too_large');
    case ProtocolErrorCode.INVALID_JSON:
      return openAiError(400, INVALID, e.message, 'invalid_json');
    case ProtocolErrorCode.UNSUPPORTED_MEDIA_TYPE:
      return openAiError(415, INVALID, e.message, 'unsupported_media_type');
  }
}

function mapRouter(e: RouterError): MappedError {
  switch (e.code) {
    case RouterErrorCode.UNKNOWN_MODEL:
    case RouterErrorCode.UNKNOWN_LOGIC:
      return openAiError(404, INVALID, e.message, 'model_not_found', e.param);
    case RouterErrorCode.MALFORMED_URN:
      return openAiError(400, INVALID, e.message, 'invalid_model_urn', e.param);
    case RouterErrorCode.INVALID_PARAM:
      return openAiError(400, INVALID, e.message, 'invalid_model_param', e.param);
  }
}

function mapOrchestration(e: OrchestrationError): MappedError {
  switch (e.code) {
    case OrchestrationErrorCode.INVALID_REQUEST:
      return openAiError(400, INVALID, e.message, 'invalid_value', e.param);
    case OrchestrationErrorCode.FAILED:
      return openAiError(500, 'server_error', e.message, 'orchestration_failed');
  }
}

/**
 * Upstream failures: the client's fault keeps its 4xx; the upstream's fault (including a
 * refused service key: not the client's credentials) is a 502/504 the client may retry.
 */
function mapConnector(e: ConnectorError): MappedError {
  switch (e.code) {
    case ConnectorErrorCode.UNKNOWN_CONNECTOR:
      return openAiError(400, INVALID, e.message, 'unknown_connector', e.param);
    case ConnectorErrorCode.NO_MODEL:
      return openAiError(400, INVALID, e.message, 'model_required', e.param);
    case ConnectorErrorCode.UNSUPPORTED_INPUT:
      return openAiError(400, INVALID, e.message, 'unsupported_content', e.param);
    case ConnectorErrorCode.UPSTREAM_BAD_REQUEST:
      return openAiError(400, INVALID, e.message, 'upstream_bad_request', e.param);
    case ConnectorErrorCode.UPSTREAM_NOT_FOUND:
      return openAiError(404, INVALID, e.message, 'model_not_found', e.param);
    case ConnectorErrorCode.UPSTREAM_RATE_LIMITED: {
      const mapped = openAiError(
        429,
        'rate_limit_error',
        e.message,
        'rate_limit_exceeded',
        e.param,
      );
      return e.retryAfter ? { ...mapped, headers: { 'retry-after': e.retryAfter } } : mapped;
    }
    case ConnectorErrorCode.UPSTREAM_AUTH:
      return openAiError(502, 'upstream_error', e.message, 'upstream_auth_failed');
    case ConnectorErrorCode.UPSTREAM_UNAVAILABLE:
      return openAiError(502, 'upstream_error', e.message, 'upstream_unavailable');
    case ConnectorErrorCode.UPSTREAM_TIMEOUT:
      return openAiError(504, 'upstream_error', e.message, 'upstream_timeout');
  }
}

/**
 * A model the key does not cover is answered 404 `model_not_found`, exactly like OpenAI
 * answers a model an organization has no access to, and like a model that does not exist:
 * `/v1/models` does not list it either, and a key learns nothing about what others may use.
 * An OL policy's refusal is a 403: the model is visible, these params or this user are not.
 */
function mapAuth(e: AuthError): MappedError {
  switch (e.code) {
    case AuthErrorCode.MISSING_KEY:
    case AuthErrorCode.INVALID_KEY:
      return openAiError(401, INVALID, e.message, 'invalid_api_key', e.param);
    case AuthErrorCode.MODEL_NOT_ALLOWED:
      return openAiError(404, INVALID, e.message, 'model_not_found', e.param);
    case AuthErrorCode.POLICY_DENIED:
    case AuthErrorCode.ADMIN_KEY_REQUIRED:
      return openAiError(403, INVALID, e.message, 'permission_denied', e.param);
    case AuthErrorCode.REQUEST_RATE_EXCEEDED:
      return rateLimited(e, 'requests');
    case AuthErrorCode.TOKEN_RATE_EXCEEDED:
      return rateLimited(e, 'tokens', 'rate_limit_exceeded');
    case AuthErrorCode.TOKEN_BUDGET_SPENT:
      return rateLimited(e, 'insufficient_quota', 'insufficient_quota');
  }
}

/**
 * OpenAI's 429 names the exhausted limit in `type` (`requests` or `tokens`); a spent quota is
 * its `insufficient_quota`, which retrying soon will not cure.
 */
function rateLimited(
  e: AuthError,
  type: 'requests' | 'tokens' | 'insufficient_quota',
  code: 'rate_limit_exceeded' | 'insufficient_quota' = 'rate_limit_exceeded',
): MappedError {
  const mapped = openAiError(429, type, e.message, code, e.param);
  const headers: Record<string, string> = { 'retry-after': String(e.retryAfterSeconds ?? 1) };
  // OpenAI's SDKs retry every 429 at once unless told not to (they ignore a retry-after over
  // a minute): a spent budget would come back three times a second for nothing.
  if (code === 'insufficient_quota') headers['x-should-retry'] = 'false';
  return { ...mapped, headers };
}

function mapStorage(e: StorageError): MappedError {
  switch (e.code) {
    case StorageErrorCode.UNAVAILABLE:
      return {
        ...openAiError(
          503,
          'server_error',
          'The service is temporarily unavailable. Please retry shortly.',
          'service_unavailable',
        ),
        headers: { 'retry-after': '1' },
        internal: true,
      };
  }
}

function mapTools(e: ToolsError): MappedError {
  switch (e.code) {
    case ToolsErrorCode.UNKNOWN_TOOL:
      return openAiError(400, INVALID, e.message, 'unknown_tool', e.param);
    case ToolsErrorCode.WORKSPACE_DENIED:
      return openAiError(400, INVALID, e.message, 'invalid_workspace', e.param);
  }
}

/** A template fault is the operator's: a 500 without details (they are in the log). */
function mapTemplates(e: TemplatesError): MappedError {
  switch (e.code) {
    case TemplatesErrorCode.NOT_FOUND:
    case TemplatesErrorCode.RENDER_FAILED:
      return openAiError(500, 'server_error', e.message, 'template_error');
  }
}

/** Nest's own exceptions (route not found, …): keep the status, reshape the body. */
function mapHttpException(e: HttpException): MappedError {
  const status = e.getStatus();
  if (status === 404) return openAiError(404, INVALID, e.message, 'not_found');
  if (status >= 500) return serverError();
  return openAiError(status, INVALID, e.message, null);
}

function serverError(): MappedError {
  return openAiError(
    500,
    'server_error',
    'The server had an error while processing your request. Sorry about that!',
    null,
  );
}
