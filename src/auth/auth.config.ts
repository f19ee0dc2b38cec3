import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { defineConfigSection } from '../configuration/config-section.js';

const HEADER = /^[A-Za-z0-9-]{1,64}$/;
const HEADER_MESSAGE = { message: 'an HTTP header name' };

/**
 * The headers a trusted front end forwards its signed-in user in (Open WebUI's by default).
 * The end user is the id, else the email, else the name.
 */
export class ForwardedUserHeaders {
  @Matches(HEADER, HEADER_MESSAGE)
  id: string = 'X-OpenWebUI-User-Id';

  @Matches(HEADER, HEADER_MESSAGE)
  email: string = 'X-OpenWebUI-User-Email';

  @Matches(HEADER, HEADER_MESSAGE)
  name: string = 'X-OpenWebUI-User-Name';

  /** Passed on as the end user's role, with the end user only. */
  @Matches(HEADER, HEADER_MESSAGE)
  role: string = 'X-OpenWebUI-User-Role';

  /** Passed on as the conversation id. */
  @Matches(HEADER, HEADER_MESSAGE)
  chatId: string = 'X-OpenWebUI-Chat-Id';
}

export class AuthConfig {
  /**
   * The secret holding the API-key list (YAML or JSON): `<secrets.dir>/<name>` first, then
   * `$<NAME>_FILE`, then `$<NAME>`. Absent everywhere: authentication is off, which is only
   * allowed on a loopback bind unless `allowAnonymous` says otherwise.
   */
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, {
    message: 'a secret name of letters, digits, "_", "." or "-"',
  })
  keysSecretName: string = 'api_keys';

  /** Serve a non-loopback bind without any API key (e.g. behind an authenticating proxy). */
  @IsBoolean()
  allowAnonymous: boolean = false;

  /** How often the key file is checked for changes (SIGHUP also reloads it at once). */
  @IsInt()
  @Min(50)
  @Max(3_600_000)
  reloadIntervalMs: number = 2000;

  /** Read only for keys marked `trustForwardedUser: true`: from anyone else they are spoofable. */
  @IsOptional()
  @ValidateNested()
  @Type(() => ForwardedUserHeaders)
  forwardedUserHeaders: ForwardedUserHeaders = new ForwardedUserHeaders();
}

export const authConfig = defineConfigSection('auth', AuthConfig);
