import { describe, expect, it } from '@jest/globals';
import { ConnectorError, ConnectorErrorCode } from './connector.error.js';
import { retryAfterOf, UpstreamErrors } from './upstream-errors.js';

const KEY = 'my-very-secret-upstream-key-123';
const errors = new UpstreamErrors('x', 1000, KEY);
const live = new AbortController().signal;

describe('UpstreamErrors', () => {
  it.each([
    [400, ConnectorErrorCode.UPSTREAM_BAD_REQUEST],
    [413, ConnectorErrorCode.UPSTREAM_BAD_REQUEST],
    [422, ConnectorErrorCode.UPSTREAM_BAD_REQUEST],
    [401, ConnectorErrorCode.UPSTREAM_AUTH],
    [403, ConnectorErrorCode.UPSTREAM_AUTH],
    [404, ConnectorErrorCode.UPSTREAM_NOT_FOUND],
    [408, ConnectorErrorCode.UPSTREAM_TIMEOUT],
    [409, ConnectorErrorCode.UPSTREAM_UNAVAILABLE],
    [429, ConnectorErrorCode.UPSTREAM_RATE_LIMITED],
    [500, ConnectorErrorCode.UPSTREAM_UNAVAILABLE],
    [503, ConnectorErrorCode.UPSTREAM_UNAVAILABLE],
    [529, ConnectorErrorCode.UPSTREAM_UNAVAILABLE],
  ])('maps upstream HTTP %d to %s', (status, code) => {
    const error = errors.fromStatus({ status, message: 'why' });
    expect(error.code).toBe(code);
    expect(error.upstreamStatus).toBe(status);
  });

  it('never repeats the upstream message of an auth failure, and scrubs keys from the others', () => {
    expect(errors.fromStatus({ status: 401, message: `bad key ${KEY}` }).message).not.toContain(
      'bad key',
    );
    const message = errors.fromStatus({
      status: 400,
      message: `too long (key ${KEY}, also sk-proj-abcdefghijkl and Bearer xyz.abc)`,
    }).message;
    expect(message).toContain('too long');
    expect(message).not.toContain(KEY);
    expect(message).not.toContain('sk-proj-abcdefghijkl');
    expect(message).not.toContain('xyz.abc');
  });

  it('scrubs the key also when the upstream echoes it URL-encoded or JSON-escaped', () => {
    const odd = 'Ab/cd+ef="gh"\\ij kl';
    const scrubber = new UpstreamErrors('x', 1000, odd);
    for (const echoed of [odd, encodeURIComponent(odd), JSON.stringify(odd).slice(1, -1)]) {
      const message = scrubber.fromStatus({ status: 400, message: `bad: ${echoed}.` }).message;
      expect(message).toContain('bad: [REDACTED].');
    }
  });

  it('names an error reported inside a stream by its type, not by an HTTP status', () => {
    const failed = errors.fromStatus({
      status: 529,
      message: 'Overloaded',
      midStream: 'overloaded_error',
    });
    expect(failed.message).toBe(
      "The upstream of connector 'x' failed (overloaded_error, mid-stream): Overloaded",
    );
    expect(
      errors.fromStatus({ status: 400, midStream: `${'t'.repeat(600)}${KEY}` }).message,
    ).not.toContain(KEY);
  });

  it('keeps the 429 retry-after and the 400 param', () => {
    expect(errors.fromStatus({ status: 429, retryAfter: '12' }).retryAfter).toBe('12');
    expect(errors.fromStatus({ status: 400, param: 'messages' }).param).toBe('messages');
  });

  it('finds timeouts and error codes along the cause chain, realm-independent', () => {
    const timeout = errors.fromTransport(
      new Error('wrapped', {
        cause: { name: 'HeadersTimeoutError', code: 'UND_ERR_HEADERS_TIMEOUT' },
      }),
      live,
      false,
    );
    expect((timeout as ConnectorError).code).toBe(ConnectorErrorCode.UPSTREAM_TIMEOUT);
    const refused = errors.fromTransport(
      new Error('Connection error.', {
        cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
      }),
      live,
      false,
    );
    expect(refused).toMatchObject({
      code: ConnectorErrorCode.UPSTREAM_UNAVAILABLE,
      message: expect.stringContaining('(ECONNREFUSED)'),
    });
    expect((errors.fromTransport(new Error('terminated'), live, true) as Error).message).toContain(
      'cut mid-stream',
    );
  });

  it('hands back the abort reason when the client went away', () => {
    const controller = new AbortController();
    controller.abort(new Error('client gone'));
    expect(errors.fromTransport(new Error('aborted'), controller.signal, true)).toBe(
      controller.signal.reason,
    );
  });

  it('reads retry-after, or retry-after-ms rounded up to seconds', () => {
    expect(retryAfterOf(new Headers({ 'retry-after': '5' }))).toBe('5');
    expect(retryAfterOf(new Headers({ 'retry-after-ms': '1500' }))).toBe('2');
    expect(retryAfterOf(new Headers())).toBeUndefined();
  });
});
