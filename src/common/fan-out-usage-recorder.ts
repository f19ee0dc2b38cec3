import type { Request } from 'express';
import type { Usage } from './chat.types.js';
import { UsageRecorder } from './usage-recorder.js';

/** Tells each of several recorders about every call: callers see one `UsageRecorder`. */
export class FanOutUsageRecorder extends UsageRecorder {
  constructor(private readonly recorders: readonly UsageRecorder[]) {
    super();
  }

  record(req: Request, logicId: string, usage: Usage): void {
    for (const recorder of this.recorders) recorder.record(req, logicId, usage);
  }
}
