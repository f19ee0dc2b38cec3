import { Type } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { defineConfigListSection } from '../configuration/config-section.js';
import { SecretRef } from '../secrets/secret-ref.js';
import type { ProviderKind } from './connector.js';
import { OllamaOnly, OllamaSettings } from './ollama/ollama.config.js';

export const PROVIDERS: readonly ProviderKind[] = ['openai', 'anthropic', 'ollama'];

/** Where each provider is when `baseUrl` is not given. */
export const DEFAULT_BASE_URL: Record<ProviderKind, string> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  ollama: 'http://127.0.0.1:11434',
};

/** Request parameters applied when the client's request does not set them. */
export class ConnectorDefaults {
  /** Anthropic requires a limit on every request: 4096 unless set here or by the client. */
  @IsOptional()
  @IsInt()
  @Min(1)
  max_tokens?: number;

  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(2)
  temperature?: number;

  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  top_p?: number;
}

const NOT_SENT_BY_ANTHROPIC =
  'no $property on an anthropic connector (the API version its SDK speaks has no sampling parameters: it would never be sent)';

/** Fails for any value (`@IsOptional` lets an absent one through): a key the adapter drops. */
function NeverSent(message: string): PropertyDecorator {
  return ValidateBy({ name: 'neverSent', validator: { validate: () => false } }, { message });
}

/** An `anthropic` connector's defaults: sampling ones are refused, not silently ignored. */
class AnthropicDefaults extends ConnectorDefaults {
  @NeverSent(NOT_SENT_BY_ANTHROPIC)
  override temperature?: number;

  @NeverSent(NOT_SENT_BY_ANTHROPIC)
  override top_p?: number;
}

/** One entry of `connectors:`: an upstream LLM backend that OLs pick by `name`. */
export class ConnectorConfig {
  /** How OLs and URNs name it (`urn:mvp:chat:connector=<name>`). */
  @Matches(/^[a-z0-9][a-z0-9_-]{0,63}$/i, {
    message: 'a name of letters, digits, "_" or "-" (at most 64)',
  })
  name!: string;

  @IsIn(PROVIDERS)
  provider!: ProviderKind;

  /**
   * The API root: for `openai` including `/v1` (any OpenAI-compatible server: vLLM, LM
   * Studio, llama.cpp, Ollama's `/v1`); for `anthropic` and `ollama` the host without path.
   */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  baseUrl?: string;

  /** Required by Anthropic and by OpenAI's own API; keyless local servers omit it. */
  @ValidateIf(
    (c: ConnectorConfig) =>
      c.apiKey !== undefined ||
      c.provider === 'anthropic' ||
      (c.provider === 'openai' && c.baseUrl === undefined),
  )
  @IsDefined({ message: 'a { secret: <name> } reference (this provider needs an API key)' })
  @ValidateNested()
  @Type(() => SecretRef)
  apiKey?: SecretRef;

  /** The upstream model when the URN names none. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  defaultModel?: string;

  /**
   * Longest wait for the upstream's response headers, and for each next piece of a streamed
   * body: a stalled upstream fails with 504 instead of holding the client.
   */
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  timeoutMs: number = 600_000;

  /** Retries (with backoff) on 408/409/429/5xx and connection errors, before the first byte only. */
  @IsInt()
  @Min(0)
  @Max(10)
  maxRetries: number = 2;

  /** Upstream connections kept per origin; unlimited by default so streams never queue. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  maxConnections?: number;

  @ValidateNested()
  @Type((o) => (o?.object.provider === 'anthropic' ? AnthropicDefaults : ConnectorDefaults))
  defaults: ConnectorDefaults = new ConnectorDefaults();

  /** `provider: ollama` only: model options (`num_ctx`…) and `keepAlive` for every request. */
  @IsOptional()
  @OllamaOnly()
  @ValidateNested()
  @Type(() => OllamaSettings)
  ollama?: OllamaSettings;
}

export const connectorsConfig = defineConfigListSection('connectors', ConnectorConfig);
