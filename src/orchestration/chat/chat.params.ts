import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

/** `urn:mvp:chat:connector=<name>[:model=<upstream model>]` */
export class ChatParams {
  /** A connector's `name` from the `connectors:` configuration. */
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9_-]{0,63}$/i, {
    message: 'connector must be a connector name (letters, digits, "_", "-")',
  })
  connector!: string;

  /** The upstream model (percent-encode a ':' as %3A: `model=llama3.1%3A8b`); the connector's default when absent. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  model?: string;
}
