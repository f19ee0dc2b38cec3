import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { Controller, Module, Post, Req, Res } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request, Response } from 'express';
import { Agent, request } from 'undici';
import { answerCpuQueries } from './cpu.js';

/**
 * The floor reference: the least a Nest + Express service can do on this path — one
 * controller that pipes the request to the upstream and the upstream's answer back, bytes
 * untouched, over the same kind of uncapped undici pool the service uses.
 */
const upstream = process.argv[2];
const agent = new Agent({ connections: null, keepAliveTimeout: 30_000 });

@Controller('v1')
class PassthroughController {
  @Post('chat/completions')
  async create(@Req() req: Request, @Res() res: Response): Promise<void> {
    const answer = await request(`${upstream}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: req,
      dispatcher: agent,
    });
    res.writeHead(answer.statusCode, { 'content-type': String(answer.headers['content-type']) });
    answer.body.pipe(res);
  }
}

@Module({ controllers: [PassthroughController] })
class FloorModule {}

const app = await NestFactory.create<NestExpressApplication>(FloorModule, {
  bodyParser: false,
  logger: false,
});
await app.listen(0, '127.0.0.1');
process.send?.({ url: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}` });
answerCpuQueries();
// Exit with the bench (also when it dies): no orphan servers.
process.once('disconnect', () => process.exit(0));
