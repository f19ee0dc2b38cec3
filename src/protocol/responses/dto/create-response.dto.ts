import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { SharedRequestFieldsDto } from '../../dto/shared-request-fields.dto.js';
import {
  IsMetadata,
  IsResponseInput,
  IsResponsesToolChoice,
  type ResponsesToolChoice,
} from './responses.validators.js';

const EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'];

class TextFormatDto {
  @IsIn(['text', 'json_object', 'json_schema'], {
    message: "text.format.type must be 'text', 'json_object' or 'json_schema'",
  })
  type!: 'text' | 'json_object' | 'json_schema';

  @ValidateIf((f: TextFormatDto) => f.type === 'json_schema')
  @Matches(/^[a-zA-Z0-9_-]{1,64}$/, {
    message: 'name must be 1-64 letters, digits, underscores or dashes',
  })
  name?: string;

  @ValidateIf((f: TextFormatDto) => f.type === 'json_schema')
  @IsObject()
  schema?: Record<string, unknown>;

  @IsOptional()
  @IsString()
  description?: string;

  @IsOptional()
  @IsBoolean()
  strict?: boolean | null;
}

class TextDto {
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => TextFormatDto)
  format?: TextFormatDto;

  @IsOptional()
  @IsIn(['low', 'medium', 'high'])
  verbosity?: 'low' | 'medium' | 'high' | null;
}

class ReasoningDto {
  @IsOptional()
  @IsIn(EFFORTS, { message: `effort must be one of ${EFFORTS.join(', ')}` })
  effort?: string | null;

  @IsOptional()
  @IsIn(['auto', 'concise', 'detailed'])
  summary?: string | null;
}

/**
 * `POST /v1/responses` body, as OpenAI's spec defines it. `input` items and `tools` are a
 * union class-validator cannot express: their shape is checked as they are mapped
 * (`response-input.mapper.ts`), which names the faulty path (`input[2].content[0]`). Fields
 * the service does not use are dropped; features it does not offer are refused there too.
 */
export class CreateResponseDto extends SharedRequestFieldsDto {
  @IsString()
  @IsNotEmpty()
  model!: string;

  @IsResponseInput()
  input!: string | Record<string, unknown>[];

  @IsOptional()
  @IsString()
  instructions?: string | null;

  @IsOptional()
  @IsBoolean()
  stream?: boolean | null;

  @IsOptional()
  @IsArray()
  @IsObject({ each: true })
  tools?: Record<string, unknown>[];

  @IsOptional()
  @IsResponsesToolChoice()
  tool_choice?: ResponsesToolChoice;

  @IsOptional()
  @IsBoolean()
  parallel_tool_calls?: boolean | null;

  @IsOptional()
  @IsInt()
  @Min(16)
  max_output_tokens?: number | null;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => TextDto)
  text?: TextDto | null;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ReasoningDto)
  reasoning?: ReasoningDto | null;

  @IsOptional()
  @IsString()
  user?: string;

  @IsOptional()
  @IsMetadata()
  metadata?: Record<string, string> | null;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(20)
  top_logprobs?: number | null;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  include?: string[] | null;

  @IsOptional()
  @IsBoolean()
  store?: boolean | null;

  @IsOptional()
  @IsString()
  previous_response_id?: string | null;

  @IsOptional()
  @IsBoolean()
  background?: boolean | null;

  @IsOptional()
  @IsIn(['auto', 'disabled'])
  truncation?: 'auto' | 'disabled' | null;

  /** Refused when set, as the fields below: see `refuseUnsupported`. */
  @IsOptional()
  @IsInt()
  max_tool_calls?: number | null;

  @IsOptional()
  conversation?: unknown;

  @IsOptional()
  prompt?: unknown;

  @IsOptional()
  moderation?: unknown;

  @IsOptional()
  context_management?: unknown;
}
