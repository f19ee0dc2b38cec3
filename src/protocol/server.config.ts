import { IsArray, IsInt, IsString, Max, Min, Matches } from 'class-validator';
import { defineConfigSection } from '../configuration/config-section.js';

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)$/i;
const UNITS: Record<string, number> = { b: 1, kb: 1 << 10, mb: 1 << 20, gb: 1 << 30 };

export class ServerConfig {
  /** Loopback by default: exposing the service is a deliberate act (see auth). */
  @IsString()
  host: string = '127.0.0.1';

  @IsInt()
  @Min(0)
  @Max(65535)
  port: number = 3000;

  /** Largest accepted request body, in body-parser notation (`10mb`, `512kb`). */
  @Matches(SIZE, { message: 'a size such as 10mb or 512kb' })
  bodyLimit: string = '10mb';

  /**
   * The reverse proxies whose `X-Forwarded-For` is believed (Express's `trust proxy`:
   * addresses, CIDR ranges, or `loopback`, `linklocal`, `uniquelocal`). Empty: the peer's
   * address is the client's — anonymous rate limits and audit lines use it.
   */
  @IsArray()
  @IsString({ each: true })
  trustProxy: string[] = [];

  /**
   * A stream whose first piece takes longer than this (a model thinking before it answers)
   * opens without it and sends an SSE comment this often until it comes, so that proxies and
   * clients with idle timeouts keep the connection.
   */
  @IsInt()
  @Min(50)
  @Max(300_000)
  sseHeartbeatMs: number = 15_000;

  /** On SIGTERM, how long running requests (streams) may take to finish. */
  @IsInt()
  @Min(0)
  @Max(600_000)
  shutdownTimeoutMs: number = 10_000;
}

export const serverConfig = defineConfigSection('server', ServerConfig);

/** `server.bodyLimit` in bytes, as body-parser reads it (the notation is validated at boot). */
export function bodyLimitBytes(server: ServerConfig): number {
  const [, amount, unit] = SIZE.exec(server.bodyLimit)!;
  return Math.floor(Number(amount) * UNITS[unit.toLowerCase()]);
}
