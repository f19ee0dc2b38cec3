import { IsString, Matches } from 'class-validator';

/**
 * How configuration names a secret without holding it: `apiKey: { secret: openai_api_key }`.
 * The value comes from the secrets directory or the environment, never from YAML.
 */
export class SecretRef {
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, {
    message: 'a secret name of letters, digits, "_", "." or "-"',
  })
  secret!: string;
}

export function isSecretRef(value: unknown): value is SecretRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as { secret?: unknown }).secret === 'string'
  );
}
