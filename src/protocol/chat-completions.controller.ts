import { Body, Controller, HttpCode, Logger, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Usage } from '../common/chat.types.js';
import { getCaller } from '../common/request-caller.js';
import { UsageRecorder } from '../common/usage-recorder.js';
import { annotateRequestLog } from '../logging/request-log.js';
import { OrchestrationService } from '../orchestration/orchestration.service.js';
import { ModelRouter } from '../router/model-router.service.js';
import { toChatRequest } from './chat-request.mapper.js';
import { ClientErrors } from './client-errors.js';
import { collectEvents } from './completion-events.js';
import { newCompletionMeta } from './completion-meta.js';
import { ChatCompletionRequestDto } from './dto/chat-completion-request.dto.js';
import { sendJson } from './json-response.js';
import { writeSse } from './sse-writer.js';

@Controller('v1')
export class ChatCompletionsController {
  private readonly logger = new Logger('ChatCompletions');

  constructor(
    private readonly router: ModelRouter,
    private readonly orchestration: OrchestrationService,
    private readonly usage: UsageRecorder,
    private readonly errors: ClientErrors,
  ) {}

  @Post('chat/completions')
  @HttpCode(200)
  async create(
    @Body() body: ChatCompletionRequestDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const resolved = this.router.resolve(body.model);
    const stream = body.stream === true;
    annotateRequestLog(res, { urn: resolved.urn, ol: resolved.logic.options.id, stream });

    // Aborted when the client goes away before the response is complete.
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const request = toChatRequest(body);
    const caller = getCaller(req);
    const endUser = caller.endUser ?? request.user;
    const events = this.orchestration.run(request, {
      logic: resolved.logic,
      params: resolved.params,
      urn: resolved.urn,
      requestId: String(req.id),
      caller: endUser ? { ...caller, endUser } : caller,
      signal: abort.signal,
      annotate: (fields) => annotateRequestLog(res, fields),
      stream,
    });
    const meta = newCompletionMeta(body.model);
    // Also a call that ended before any usage: it counts as a request (with no tokens).
    const reportUsage = (usage: Usage | undefined): void => {
      if (usage) annotateRequestLog(res, { usage });
      this.usage.record(req, { logicId: resolved.logic.options.id, usage, endUser });
    };

    if (stream) {
      await writeSse(res, events, meta, {
        includeUsage: body.stream_options?.include_usage === true,
        signal: abort.signal,
        mapError: (error) => this.errors.map(error),
        onError: (error) => this.logger.error({ err: error }, 'stream failed after it started'),
        onUsage: reportUsage,
      });
      return;
    }
    const result = await collectEvents(events, reportUsage);
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
