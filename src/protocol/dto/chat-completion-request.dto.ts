import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  Equals,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import type { ResponseFormat, ToolChoice } from '../../common/chat.types.js';
import { ChatMessageDto } from './chat-message.dto.js';
import { IsStop, IsToolChoice, IsUserField, IsWithLogprobs } from './message-content.validator.js';
import { SharedRequestFieldsDto } from './shared-request-fields.dto.js';

class FunctionDefinitionDto {
  @Matches(/^[a-zA-Z0-9_.-]{1,64}$/, {
    message: 'function.name must be 1-64 letters, digits, underscores, dots or dashes',
  })
  name!: string;

  @IsOptional()
  @IsString()
  description?: string;

  @IsOptional()
  @IsObject()
  parameters?: Record<string, unknown>;

  @IsOptional()
  @IsBoolean()
  strict?: boolean | null;
}

class ToolDto {
  @Equals('function', { message: "tools[].type must be 'function'" })
  type!: 'function';

  @IsObject()
  @ValidateNested()
  @Type(() => FunctionDefinitionDto)
  function!: FunctionDefinitionDto;
}

class StreamOptionsDto {
  @IsOptional()
  @IsBoolean()
  include_usage?: boolean;

  @IsOptional()
  @IsBoolean()
  include_obfuscation?: boolean;
}

class JsonSchemaDto {
  @IsString()
  name!: string;

  @IsOptional()
  @IsString()
  description?: string;

  @IsOptional()
  @IsObject()
  schema?: Record<string, unknown>;

  @IsOptional()
  @IsBoolean()
  strict?: boolean | null;
}

class ResponseFormatDto {
  @IsIn(['text', 'json_object', 'json_schema'])
  type!: ResponseFormat['type'];

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => JsonSchemaDto)
  json_schema?: JsonSchemaDto;
}

/**
 * `POST /v1/chat/completions` body, as OpenAI's spec defines it. Fields the service does
 * not use (`metadata`, `store`, …) are accepted and dropped; wrong types are refused.
 * `@ValidateNested` alone accepts an array where an object is due (it validates each
 * element): every nested object is also `@IsObject`.
 */
export class ChatCompletionRequestDto extends SharedRequestFieldsDto {
  @IsString()
  @IsNotEmpty()
  model!: string;

  @IsArray()
  @ArrayMinSize(1)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => ChatMessageDto)
  messages!: ChatMessageDto[];

  @IsOptional()
  @IsBoolean()
  stream?: boolean | null;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => StreamOptionsDto)
  stream_options?: StreamOptionsDto | null;

  @IsOptional()
  @IsArray()
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => ToolDto)
  tools?: ToolDto[];

  @IsOptional()
  @IsToolChoice()
  tool_choice?: ToolChoice;

  @IsOptional()
  @IsBoolean()
  parallel_tool_calls?: boolean;

  @IsOptional()
  @IsInt()
  @Min(1)
  max_tokens?: number | null;

  @IsOptional()
  @IsInt()
  @Min(1)
  max_completion_tokens?: number | null;

  @IsOptional()
  @IsNumber()
  @Min(-2)
  @Max(2)
  presence_penalty?: number | null;

  @IsOptional()
  @IsNumber()
  @Min(-2)
  @Max(2)
  frequency_penalty?: number | null;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1, { message: 'n must be 1: this service returns a single choice' })
  n?: number | null;

  @IsOptional()
  @IsStop()
  stop?: string | string[] | null;

  @IsOptional()
  @IsInt()
  seed?: number | null;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ResponseFormatDto)
  response_format?: ResponseFormatDto;

  @IsOptional()
  @IsObject()
  logit_bias?: Record<string, number> | null;

  @IsOptional()
  @IsBoolean()
  logprobs?: boolean | null;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(20)
  @IsWithLogprobs()
  top_logprobs?: number | null;

  @IsOptional()
  @IsString()
  reasoning_effort?: string | null;

  @IsOptional()
  @IsUserField()
  user?: string | Record<string, unknown>;

  @IsOptional()
  @IsIn(['low', 'medium', 'high'])
  verbosity?: 'low' | 'medium' | 'high' | null;
}
