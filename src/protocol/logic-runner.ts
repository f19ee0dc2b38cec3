import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { ChatEvent, ChatRequest, Usage } from '../common/chat.types.js';
import { getCaller } from '../common/request-caller.js';
import { UsageRecorder } from '../common/usage-recorder.js';
import { annotateRequestLog } from '../logging/request-log.js';
import { OrchestrationService } from '../orchestration/orchestration.service.js';
import { ModelRouter } from '../router/model-router.service.js';

/** One OL run started for an HTTP request, whatever protocol shapes its answer. */
export interface LogicRun {
  events: AsyncIterable<ChatEvent>;
  /** Aborted when the client goes away before the response is complete. */
  signal: AbortSignal;
  /** To call once the run ended, with the usage reported so far (none is still a request). */
  reportUsage: (usage: Usage | undefined) => void;
}

/**
 * What every endpoint that runs an OL does alike (chat completions, responses): route the
 * `model` URN, name it in the request's log line, abort the OL when the client disconnects,
 * tell it who calls, and record the call's usage once it ends.
 */
@Injectable()
export class LogicRunner {
  constructor(
    private readonly router: ModelRouter,
    private readonly orchestration: OrchestrationService,
    private readonly usage: UsageRecorder,
  ) {}

  start(
    model: string,
    request: ChatRequest,
    stream: boolean,
    req: Request,
    res: Response,
  ): LogicRun {
    const resolved = this.router.resolve(model);
    const logicId = resolved.logic.options.id;
    annotateRequestLog(res, { urn: resolved.urn, ol: logicId, stream });

    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const caller = getCaller(req);
    const endUser = caller.endUser ?? request.user ?? request.safety_identifier;
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
    const reportUsage = (usage: Usage | undefined): void => {
      if (usage) annotateRequestLog(res, { usage });
      this.usage.record(req, { logicId, usage, endUser });
    };
    return { events, signal: abort.signal, reportUsage };
  }
}
