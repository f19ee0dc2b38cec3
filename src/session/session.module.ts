import { Module } from '@nestjs/common';
import { ConversationStore } from './conversation-store.js';
import { conversationsConfig } from './conversations.config.js';

/**
 * Sessions (C9): the state an OL keeps per conversation (`ctx.conversation`). Who calls is
 * the auth guard's (`ctx.caller`), usage the token ledger's, the workspace the tools'.
 */
@Module({
  providers: [conversationsConfig.provider(), ConversationStore],
  exports: [ConversationStore],
})
export class SessionModule {}
