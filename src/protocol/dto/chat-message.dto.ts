import { Type } from 'class-transformer';
import {
  Equals,
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import type { ContentPart, Role } from '../../common/chat.types.js';
import { IsMessageContent } from './message-content.validator.js';

const ROLES: Role[] = ['system', 'developer', 'user', 'assistant', 'tool'];

class FunctionCallDto {
  @IsString()
  name!: string;

  @IsString()
  arguments!: string;
}

class ToolCallDto {
  @IsString()
  id!: string;

  @Equals('function')
  type!: 'function';

  @IsObject()
  @ValidateNested()
  @Type(() => FunctionCallDto)
  function!: FunctionCallDto;
}

export class ChatMessageDto {
  @IsIn(ROLES, { message: `role must be one of ${ROLES.join(', ')}` })
  role!: Role;

  @IsMessageContent()
  content?: string | ContentPart[] | null;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  name?: string;

  @ValidateIf(
    (m: ChatMessageDto) =>
      m.role === 'assistant' && m.tool_calls !== undefined && m.tool_calls !== null,
  )
  @IsArray()
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => ToolCallDto)
  tool_calls?: ToolCallDto[];

  @ValidateIf((m: ChatMessageDto) => m.role === 'tool')
  @IsString({ message: 'tool_call_id must be a string (required for tool messages)' })
  tool_call_id?: string;

  @IsOptional()
  @IsString()
  refusal?: string | null;
}
