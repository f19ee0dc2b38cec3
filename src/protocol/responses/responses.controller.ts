import { Body, Controller, HttpCode, Logger, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ClientErrors } from '../client-errors.js';
import { collectEvents } from '../completion-events.js';
import { sendJson } from '../json-response.js';
import { LogicRunner } from '../logic-runner.js';
import { CreateResponseDto } from './dto/create-response.dto.js';
import {
  endOf,
  functionCallItem,
  messageItem,
  newId,
  newResponseMeta,
  outputText,
  responseObject,
} from './response-object.js';
import { toChatRequest } from './response-request.mapper.js';
import { writeResponsesSse } from './responses-sse-writer.js';

/** OpenAI's Responses API over the same OLs chat completions run. */
@Controller('v1')
export class ResponsesController {
  private readonly logger = new Logger('Responses');

  constructor(
    private readonly runner: LogicRunner,
    private readonly errors: ClientErrors,
  ) {}

  @Post('responses')
  @HttpCode(200)
  async create(
    @Body() body: CreateResponseDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const stream = body.stream === true;
    const request = toChatRequest(body);
    const run = this.runner.start(body.model, request, stream, req, res);
    const meta = newResponseMeta(body);

    if (stream) {
      await writeResponsesSse(res, run.events, meta, {
        signal: run.signal,
        mapError: (error) => this.errors.map(error),
        onError: (error) => this.logger.error({ err: error }, 'stream failed after it started'),
        onUsage: run.reportUsage,
      });
      return;
    }
    const result = await collectEvents(run.events, run.reportUsage);
    const end = endOf(result.finishReason);
    const itemStatus = end.status === 'completed' ? 'completed' : 'incomplete';
    const output: unknown[] = [];
    if (result.content || !result.toolCalls.length) {
      const part = outputText(result.content, result.logprobs);
      output.push(messageItem(newId('msg'), itemStatus, [part]));
    }
    for (const call of result.toolCalls)
      output.push(
        functionCallItem(newId('fc'), itemStatus, {
          id: call.id,
          name: call.function.name,
          arguments: call.function.arguments,
        }),
      );
    sendJson(res, 200, responseObject(meta, { ...end, output, usage: result.usage }));
  }
}
