import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { defineConfigSection } from '../configuration/config-section.js';
import { isSecretRef, SecretRef } from '../secrets/secret-ref.js';

export class HttpGetConfig {
  /** Off by default: a model fetching URLs is a deliberate choice. */
  @IsBoolean()
  enabled: boolean = false;

  /** Hosts the tool may fetch: `example.com`, or `*.example.com` for its subdomains. */
  @IsArray()
  @Matches(/^(\*\.)?[a-z0-9.-]+$/i, {
    each: true,
    message: 'host names such as example.com or *.example.com',
  })
  allowHosts: string[] = [];

  /** Allow hosts that resolve to loopback, private, link-local or other internal ranges. */
  @IsBoolean()
  allowPrivateNetworks: boolean = false;

  /** Largest body read from a response, in bytes. */
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  maxResponseBytes: number = 1_000_000;
}

/** `env` of a stdio MCP server: literal values or `{ secret: name }` references. */
function IsEnvMap(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isEnvMap',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.values(value).every((v) => typeof v === 'string' || isSecretRef(v)),
        defaultMessage: () =>
          'a mapping of variable names to strings or { secret: <name> } references',
      },
    },
    options,
  );
}

export class McpServerConfig {
  /** Prefix of its tools: `<name>.<tool>`. */
  @Matches(/^[a-zA-Z0-9_-]{1,32}$/, {
    message: 'a name of letters, digits, "_" or "-" (at most 32)',
  })
  name!: string;

  /** A stdio server: the command to spawn (give `command` or `url`). */
  @ValidateIf((o: McpServerConfig) => o.url === undefined || o.command !== undefined)
  @IsString()
  command?: string;

  @IsArray()
  @IsString({ each: true })
  args: string[] = [];

  /** Added to a safe default environment (PATH, HOME, …) of the spawned process. */
  @IsOptional()
  @IsEnvMap()
  env?: Record<string, string | SecretRef>;

  @IsOptional()
  @IsString()
  cwd?: string;

  /** A streamable-HTTP server: its endpoint (give `command` or `url`). */
  @ValidateIf((o: McpServerConfig) => o.command === undefined || o.url !== undefined)
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  url?: string;

  /** Sent as `Authorization: Bearer …` to a streamable-HTTP server. */
  @IsOptional()
  @ValidateNested()
  @Type(() => SecretRef)
  bearerToken?: SecretRef;

  /** How long connecting and listing tools may take at boot. */
  @IsInt()
  @Min(100)
  @Max(300_000)
  startTimeoutMs: number = 10_000;

  /**
   * A server that failed to start or went away is started again after this long, then after
   * twice as long each time it fails again (at most a minute); 0: never.
   */
  @IsInt()
  @Min(0)
  @Max(600_000)
  restartDelayMs: number = 1_000;
}

export class ToolsConfig {
  /** Longest a tool call may run before its result is an error (per tool: `@Tool({ timeoutMs })`). */
  @IsInt()
  @Min(1)
  @Max(3_600_000)
  timeoutMs: number = 30_000;

  /** Largest tool result handed to the model, in UTF-8 bytes; longer results are cut with a note. */
  @IsInt()
  @Min(256)
  @Max(10_000_000)
  maxOutputBytes: number = 32_768;

  @ValidateNested()
  @Type(() => HttpGetConfig)
  http_get: HttpGetConfig = new HttpGetConfig();

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => McpServerConfig)
  mcpServers: McpServerConfig[] = [];
}

export const toolsConfig = defineConfigSection('tools', ToolsConfig);
