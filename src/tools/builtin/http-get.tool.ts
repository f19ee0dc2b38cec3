import { Inject, type OnModuleDestroy } from '@nestjs/common';
import { isIP } from 'node:net';
import { Agent, request, type Dispatcher } from 'undici';
import { Tool, ToolError, type ToolContext, type ToolHandler } from '../tool.decorator.js';
import { toolsConfig, type ToolsConfig } from '../tools.config.js';
import { guardedLookup, isInternalAddress } from './network-guard.js';

interface HttpGetArgs {
  url: string;
}

const MAX_REDIRECTS = 3;
const TEXTUAL =
  /^(text\/|application\/(json|xml|xhtml\+xml|javascript|ld\+json|[a-z.+-]*\+(json|xml))|image\/svg\+xml)/i;

/**
 * Fetches a web page for the model. Off unless `tools.http_get.enabled`; only hosts of
 * `tools.http_get.allowHosts`, and never internal addresses unless `allowPrivateNetworks`
 * (checked on the connected address, and again at each redirect).
 */
@Tool({
  name: 'http_get',
  description:
    'Fetch a URL with HTTP GET and return the status, content type and the text of the body.',
  parameters: {
    type: 'object',
    properties: {
      url: {
        type: 'string',
        minLength: 1,
        maxLength: 2048,
        description: 'An http:// or https:// URL.',
      },
    },
    required: ['url'],
    additionalProperties: false,
  },
})
export class HttpGetTool implements ToolHandler<HttpGetArgs>, OnModuleDestroy {
  private readonly config: ToolsConfig['http_get'];
  private readonly dispatcher: Dispatcher;

  constructor(@Inject(toolsConfig.KEY) tools: ToolsConfig) {
    this.config = tools.http_get;
    this.dispatcher = new Agent({
      connect: this.config.allowPrivateNetworks ? {} : { lookup: guardedLookup },
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
  }

  disabledReason(): string | undefined {
    if (!this.config.enabled) return 'disabled by configuration (tools.http_get.enabled: false)';
    if (!this.config.allowHosts.length)
      return 'no host is allowed (tools.http_get.allowHosts is empty)';
    return undefined;
  }

  async onModuleDestroy(): Promise<void> {
    await this.dispatcher.close();
  }

  async run({ url }: HttpGetArgs, ctx: ToolContext): Promise<string> {
    let target = this.check(url);
    for (let hop = 0; ; hop++) {
      let res: Dispatcher.ResponseData;
      try {
        res = await request(target, {
          method: 'GET',
          dispatcher: this.dispatcher,
          signal: ctx.signal,
          headers: {
            'user-agent': 'llm-orchestrator-http_get',
            accept: 'text/*, application/json;q=0.9, */*;q=0.5',
          },
        });
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EINTERNAL')
          throw new ToolError(
            `${target.hostname} resolves to an internal address, which is not allowed`,
          );
        throw new ToolError(`cannot fetch ${target.href}: ${code ?? (error as Error).message}`);
      }
      const location = res.headers.location;
      if (res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string') {
        await res.body.dump();
        if (hop === MAX_REDIRECTS)
          throw new ToolError(`too many redirects (more than ${MAX_REDIRECTS})`);
        target = this.check(new URL(location, target).href);
        continue;
      }
      const type = String(res.headers['content-type'] ?? 'unknown');
      const { text, cut } = await readCapped(res.body, this.config.maxResponseBytes);
      const body = TEXTUAL.test(type) ? text : `[${type} content is not text; not shown]`;
      return `HTTP ${res.statusCode}\ncontent-type: ${type}\n\n${body}${cut ? '\n[body cut]' : ''}`;
    }
  }

  /** The URL if its scheme and host are allowed; a ToolError saying why not otherwise. */
  private check(raw: string): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ToolError(`not a valid URL: ${raw}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new ToolError('only http and https URLs can be fetched');
    if (url.username || url.password) throw new ToolError('URLs with credentials are not allowed');
    const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
    if (!this.config.allowHosts.some((pattern) => hostMatches(host, pattern.toLowerCase()))) {
      throw new ToolError(`the host ${host} is not in the allowed list`);
    }
    // Literal IPs never go through the guarded lookup: check them here.
    if (isIP(host) && !this.config.allowPrivateNetworks && isInternalAddress(host)) {
      throw new ToolError(`${host} is an internal address, which is not allowed`);
    }
    return url;
  }
}

function hostMatches(host: string, pattern: string): boolean {
  return pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern;
}

async function readCapped(
  body: Dispatcher.ResponseData['body'],
  max: number,
): Promise<{ text: string; cut: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    if (size + buf.length > max) {
      chunks.push(buf.subarray(0, max - size));
      body.destroy();
      return { text: Buffer.concat(chunks).toString('utf8'), cut: true };
    }
    chunks.push(buf);
    size += buf.length;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), cut: false };
}
