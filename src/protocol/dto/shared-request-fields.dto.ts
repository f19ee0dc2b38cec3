import { IsIn, IsNumber, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { SERVICE_TIERS, type ServiceTier } from '../../common/chat.types.js';

/** Fields chat completions and responses requests share, validated as OpenAI's spec says. */
export abstract class SharedRequestFieldsDto {
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(2)
  temperature?: number | null;

  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  top_p?: number | null;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  safety_identifier?: string | null;

  @IsOptional()
  @IsString()
  prompt_cache_key?: string | null;

  @IsOptional()
  @IsIn(SERVICE_TIERS)
  service_tier?: ServiceTier | null;
}
