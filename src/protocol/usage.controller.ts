import { Controller, Get, Req } from '@nestjs/common';
import type { Request } from 'express';
import { UsageAccess } from '../auth/usage-access.service.js';
import { UsageLedger } from '../session/usage-ledger.js';
import { usagePage, type UsagePage } from './usage-page.js';
import { parseUsageQuery } from './usage-query.js';

/**
 * OpenAI's Usage API for completions (operation `usage-completions`) over the usage ledger:
 * daily buckets, OL ids as models. An admin key sees every user, any other key its own;
 * with authentication off, clients on this machine see every user and others get a 403.
 */
@Controller('v1/organization/usage')
export class UsageController {
  constructor(
    private readonly ledger: UsageLedger,
    private readonly access: UsageAccess,
  ) {}

  @Get('completions')
  async completions(@Req() req: Request): Promise<UsagePage> {
    const scope = this.access.scopeOf(req);
    const query = parseUsageQuery(req.query);
    const last = Math.min(query.toDay, query.pageDay + query.limit);
    return usagePage(query, scope, await this.ledger.read(query.pageDay, last));
  }
}
