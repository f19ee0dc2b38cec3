import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Logger,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { getCaller } from '../../common/request-caller.js';
import { ClientErrors } from '../client-errors.js';
import { sendJson } from '../json-response.js';
import { LogicRunner } from '../logic-runner.js';
import { serverConfig, type ServerConfig } from '../server.config.js';
import { CreateResponseDto } from './dto/create-response.dto.js';
import { inputItemsPage, withIds } from './response-input-items.js';
import { unsupported } from './response-input.mapper.js';
import { newResponseMeta, responseObject } from './response-object.js';
import { ResponseOutput } from './response-output.js';
import { toChatRequest } from './response-request.mapper.js';
import { ResponseStore, type StoredResponse } from './response-store.js';
import { writeResponsesSse } from './responses-sse-writer.js';

/** OpenAI's Responses API over the same OLs chat completions run, with stored responses. */
@Controller('v1')
export class ResponsesController {
  private readonly logger = new Logger('Responses');

  constructor(
    private readonly runner: LogicRunner,
    private readonly errors: ClientErrors,
    private readonly responses: ResponseStore,
    @Inject(serverConfig.KEY) private readonly server: ServerConfig,
  ) {}

  @Post('responses')
  @HttpCode(200)
  async create(
    @Body() body: CreateResponseDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const stream = body.stream === true;
    const { userId } = getCaller(req);
    // A continued conversation is the previous response's input and output, then this input.
    const previous = body.previous_response_id
      ? await this.responses.load(userId, body.previous_response_id, 'previous_response_id')
      : undefined;
    const prior = previous ? [...previous.input, ...previous.response.output] : [];
    const request = toChatRequest(body, prior);
    // OpenAI's default: kept unless the client says `store: false`.
    const store = body.store !== false;
    const input =
      typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : body.input;
    // One not kept (too large, or the storage driver failed) says `store: false`; the log says why.
    const save = async (response: Record<string, unknown>): Promise<void> => {
      if (!store) return;
      const kept = await this.responses.save(userId, {
        response: response as StoredResponse['response'],
        input: withIds([...prior, ...input]),
      });
      if (!kept) response.store = false;
    };
    const run = this.runner.start(body.model, request, stream, req, res);
    const meta = newResponseMeta(body, store);
    const logprobs = request.logprobs === true;

    if (stream) {
      await writeResponsesSse(res, run.events, meta, {
        logprobs,
        signal: run.signal,
        heartbeatMs: this.server.sseHeartbeatMs,
        mapError: (error) => this.errors.map(error),
        onError: (error) => this.logger.error({ err: error }, 'stream failed after it started'),
        onUsage: run.reportUsage,
        onFinished: save,
      });
      return;
    }
    const output = new ResponseOutput(logprobs);
    try {
      for await (const event of run.events) await output.add(event);
    } finally {
      // Tokens spent before a failure count too.
      run.reportUsage(output.usage);
    }
    const response = responseObject(meta, { ...(await output.end()), output: output.items });
    await save(response);
    sendJson(res, 200, response);
  }

  @Get('responses/:id')
  async retrieve(
    @Param('id') id: string,
    @Query('stream') stream: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    if (stream === 'true')
      throw unsupported('stream', 'Replaying a stored response as a stream is not supported.');
    const stored = await this.responses.load(getCaller(req).userId, id);
    sendJson(res, 200, stored.response);
  }

  /** The items the response answered: its input and, continued, the whole chain's before it. */
  @Get('responses/:id/input_items')
  async inputItems(
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const stored = await this.responses.load(getCaller(req).userId, id);
    sendJson(res, 200, inputItemsPage(stored.input, req.query));
  }

  @Delete('responses/:id')
  async delete(@Param('id') id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.responses.delete(getCaller(req).userId, id);
    sendJson(res, 200, { id, object: 'response', deleted: true });
  }
}
