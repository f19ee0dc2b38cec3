import type { NextFunction, Request, Response } from 'express';
import { ProtocolError, ProtocolErrorCode } from './protocol.error.js';

/**
 * body-parser refuses a declared `Content-Length` over the limit at once, but reads the
 * whole body before it answers: a client announcing 1 GB waited for its own upload, forever
 * if it sent nothing. It is answered at once here, and the connection is not reused.
 */
export function refuseDeclaredOversize(limitBytes: number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!(Number(req.headers['content-length']) > limitBytes)) return next();
    res.setHeader('Connection', 'close');
    next(
      new ProtocolError(
        ProtocolErrorCode.BODY_TOO_LARGE,
        `The request body is too large (limit: ${limitBytes} bytes).`,
      ),
    );
  };
}
