import { Body, Controller, HttpCode, Inject, Logger, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { toChatRequest } from './chat-request.mapper.js';
import { ClientErrors } from './client-errors.js';
import { collectEvents } from './completion-events.js';
import { newCompletionMeta } from './completion-meta.js';
import { ChatCompletionRequestDto } from './dto/chat-completion-request.dto.js';
import { sendJson } from './json-response.js';
import { LogicRunner } from './logic-runner.js';
import { serverConfig, type ServerConfig } from './server.config.js';
import { writeSse } from './sse-writer.js';

@Controller('v1')
export class ChatCompletionsController {
  private readonly logger = new Logger('ChatCompletions');

  constructor(
    private readonly runner: LogicRunner,
    private readonly errors: ClientErrors,
    @Inject(serverConfig.KEY) private readonly server: ServerConfig,
  ) {}

  @Post('chat/completions')
  @HttpCode(200)
  async create(
    @Body() body: ChatCompletionRequestDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const stream = body.stream === true;
    const run = this.runner.start(body.model, toChatRequest(body), stream, req, res);
    const meta = newCompletionMeta(body.model);

    if (stream) {
      await writeSse(res, run.events, meta, {
        includeUsage: body.stream_options?.include_usage === true,
        signal: run.signal,
        heartbeatMs: this.server.sseHeartbeatMs,
        mapError: (error) => this.errors.map(error),
        onError: (error) => this.logger.error({ err: error }, 'stream failed after it started'),
        onUsage: run.reportUsage,
      });
      return;
    }
    const result = await collectEvents(run.events, run.reportUsage);
    sendJson(res, 200, {
      id: meta.id,
      object: 'chat.completion',
      created: meta.created,
      model: meta.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: result.content || (result.toolCalls.length ? null : ''),
            refusal: null,
            ...(result.toolCalls.length ? { tool_calls: result.toolCalls } : {}),
            annotations: [],
          },
          logprobs: result.logprobs ? { content: result.logprobs, refusal: null } : null,
          finish_reason: result.finishReason,
        },
      ],
      ...(result.usage ? { usage: result.usage } : {}),
    });
  }
}
