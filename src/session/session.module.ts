import { Module } from '@nestjs/common';
import { RATE_LIMIT_USAGE, UsageRecorder } from '../common/usage-recorder.js';
import { ConversationStore } from './conversation-store.js';
import { conversationsConfig } from './conversations.config.js';
import { FanOutUsageRecorder } from './fan-out-usage-recorder.js';
import { UsageLedger } from './usage-ledger.js';
import { usageConfig } from './usage.config.js';

/**
 * Sessions (C9): the usage ledger per user (9a) and the state an OL keeps per conversation
 * (9c, `ctx.conversation`). Who calls is the auth guard's (`ctx.caller`), the workspace the
 * tools'. Each call's usage goes to the ledger and to the rate limiter's token windows.
 */
@Module({
  providers: [
    conversationsConfig.provider(),
    ConversationStore,
    usageConfig.provider(),
    UsageLedger,
    {
      provide: UsageRecorder,
      inject: [RATE_LIMIT_USAGE, UsageLedger],
      useFactory: (tokens: UsageRecorder, usage: UsageLedger): UsageRecorder =>
        new FanOutUsageRecorder([tokens, usage]),
    },
  ],
  exports: [ConversationStore, UsageLedger, UsageRecorder],
})
export class SessionModule {}
