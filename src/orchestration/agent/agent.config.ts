import { ArrayMaxSize, IsArray, IsIn, IsInt, IsString, Max, Min } from 'class-validator';
import { defineLogicConfig } from '../orchestration-logic.js';

/** `ols.agent` in the YAML: defaults and limits of the agent OL. */
export class AgentConfig {
  /** Model calls per answer when the URN sets no `max_steps`. */
  @IsInt()
  @Min(1)
  @Max(100)
  maxSteps: number = 8;

  /** Largest `max_steps` a URN may ask for on this server. */
  @IsInt()
  @Min(1)
  @Max(100)
  maxStepsLimit: number = 25;

  /** Progress lines in the content stream (`content`) or none (`off`), unless the URN says. */
  @IsIn(['content', 'off'])
  progress: 'content' | 'off' = 'content';

  /** Toolsets or tools offered when the URN names none. */
  @IsArray()
  @ArrayMaxSize(64)
  @IsString({ each: true })
  toolsets: string[] = ['calculator', 'current_time'];

  /** The system prompt template (under `templates.dir` or an OL folder). */
  @IsString()
  systemTemplate: string = 'agent-system.njk';
}

export const agentConfig = defineLogicConfig('agent', AgentConfig);
