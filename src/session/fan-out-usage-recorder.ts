import type { Request } from 'express';
import { UsageRecorder, type RecordedCall } from '../common/usage-recorder.js';

/** Tells each of several recorders about every call: callers see one `UsageRecorder`. */
export class FanOutUsageRecorder extends UsageRecorder {
  constructor(private readonly recorders: readonly UsageRecorder[]) {
    super();
  }

  record(req: Request, call: RecordedCall): void {
    for (const recorder of this.recorders) recorder.record(req, call);
  }
}
