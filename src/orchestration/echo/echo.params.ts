import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/** `urn:mvp:echo[:prefix=…][:chunk=N][:delay_ms=N]` */
export class EchoParams {
  /** Text put before the echoed message. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  prefix?: string;

  /** Characters per streamed chunk. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  chunk: number = 16;

  /** Pause between chunks, to watch streaming happen. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(5_000)
  delay_ms: number = 0;
}
