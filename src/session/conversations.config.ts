import { IsInt, Max, Min } from 'class-validator';
import { defineConfigSection } from '../configuration/config-section.js';

/** `conversations` in the YAML: how long the state OLs keep per conversation lives. */
export class ConversationsConfig {
  /** Seconds a conversation's value lives after it was last set (default a week). */
  @IsInt()
  @Min(60)
  @Max(31_536_000)
  ttlSeconds: number = 604_800;

  /** Largest value (its JSON, in bytes) an OL may keep under one key. */
  @IsInt()
  @Min(1)
  @Max(16_777_216)
  maxValueBytes: number = 262_144;
}

export const conversationsConfig = defineConfigSection('conversations', ConversationsConfig);
