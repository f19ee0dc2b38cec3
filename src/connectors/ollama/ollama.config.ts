import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import type { Options } from 'ollama';

/** An option of that type, when present. */
function Int(): PropertyDecorator {
  return (target, key) => [IsOptional(), IsInt()].forEach((d) => d(target, key));
}
function Num(): PropertyDecorator {
  return (target, key) => [IsOptional(), IsNumber()].forEach((d) => d(target, key));
}
function Bool(): PropertyDecorator {
  return (target, key) => [IsOptional(), IsBoolean()].forEach((d) => d(target, key));
}

/**
 * Ollama's model options (`options` of `/api/chat`), each name the `ollama` package's `Options`
 * lists: Ollama itself ignores a misspelt one, so here it fails the boot, named.
 */
export class OllamaOptions implements Partial<Options> {
  @Bool() numa?: boolean;
  @Int() num_ctx?: number;
  @Int() num_batch?: number;
  @Int() num_gpu?: number;
  @Int() main_gpu?: number;
  @Bool() low_vram?: boolean;
  @Bool() f16_kv?: boolean;
  @Bool() logits_all?: boolean;
  @Bool() vocab_only?: boolean;
  @Bool() use_mmap?: boolean;
  @Bool() use_mlock?: boolean;
  @Bool() embedding_only?: boolean;
  @Int() num_thread?: number;
  @Int() num_keep?: number;
  @Int() seed?: number;
  @Int() num_predict?: number;
  @Int() top_k?: number;
  @Num() top_p?: number;
  @Num() min_p?: number;
  @Num() tfs_z?: number;
  @Num() typical_p?: number;
  @Int() repeat_last_n?: number;
  @Num() temperature?: number;
  @Num() repeat_penalty?: number;
  @Num() presence_penalty?: number;
  @Num() frequency_penalty?: number;
  @Int() mirostat?: number;
  @Num() mirostat_tau?: number;
  @Num() mirostat_eta?: number;
  @Bool() penalize_newline?: boolean;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  stop?: string[];
}

/** Go's duration syntax, as Ollama parses `keep_alive` ("5m", "1h30m", "300ms"; negative: forever). */
const DURATION = /^(0|-?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/;

function isKeepAlive(value: unknown): boolean {
  if (typeof value === 'string') return DURATION.test(value);
  return typeof value === 'number' && Number.isFinite(value) && (value >= 0 || value === -1);
}

/** The `ollama:` block of a connector entry (provider `ollama` only). */
export class OllamaSettings {
  /** Model options sent with every request; the request's own sampling values win over them. */
  @IsOptional()
  @ValidateNested()
  @Type(() => OllamaOptions)
  options?: OllamaOptions;

  /** How long Ollama keeps the model loaded after a request: a duration, seconds, or -1 (forever). */
  @IsOptional()
  @ValidateBy(
    { name: 'keepAlive', validator: { validate: isKeepAlive } },
    { message: 'a duration such as "5m" or "1h", a number of seconds, or -1 (keep loaded)' },
  )
  keepAlive?: string | number;
}

/** On a connector entry's `ollama` key: refused unless the entry's provider is `ollama`. */
export function OllamaOnly(): PropertyDecorator {
  return ValidateBy(
    {
      name: 'ollamaOnly',
      validator: {
        validate: (_value, args) => (args?.object as { provider?: unknown }).provider === 'ollama',
      },
    },
    { message: 'no ollama settings unless the provider is ollama' },
  );
}
