import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';

/**
 * `urn:mvp:agent:connector=<name>[:model=…][:toolset=<a,b>][:workspace=<path>][:max_steps=N][:progress=content|off]`
 */
export class AgentParams {
  /** A connector's `name` from the `connectors:` configuration. */
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9_-]{0,63}$/i, {
    message: 'connector must be a connector name (letters, digits, "_", "-")',
  })
  connector!: string;

  /** The upstream model (percent-encode a ':' as %3A); the connector's default when absent. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  model?: string;

  /** Comma-separated toolset and tool names (`math,files`, `read_file`, `docs.*`); `ols.agent.toolsets` when absent. */
  @IsOptional()
  @Matches(/^[a-zA-Z0-9_.*-]{1,96}(,[a-zA-Z0-9_.*-]{1,96}){0,31}$/, {
    message: 'toolset must be a comma-separated list of toolset or tool names',
  })
  toolset?: string;

  /** Absolute path of the folder the file tools work in; it must lie inside `workspaces.roots`. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  workspace?: string;

  /** Most model calls for one answer (`ols.agent.maxSteps` when absent). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  max_steps?: number;

  /** `content`: short "calling …" lines in the answer while tools run; `off`: only the answer. */
  @IsOptional()
  @IsIn(['content', 'off'])
  progress?: 'content' | 'off';
}
