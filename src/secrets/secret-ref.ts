import { IsString, Matches } from 'class-validator';

/** A secret's name is also a file name in the secrets directory: no separators, no dots first. */
export const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * How configuration names a secret without holding it: `apiKey: { secret: openai_api_key }`.
 * The value comes from the secrets directory or the environment, never from YAML.
 */
export class SecretRef {
  @IsString()
  @Matches(SECRET_NAME, {
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

/** Every secret the tree references, with the key paths that reference it. */
export function findSecretRefs(
  node: unknown,
  path = '',
  found = new Map<string, string[]>(),
): Map<string, string[]> {
  if (isSecretRef(node)) {
    const paths = found.get(node.secret) ?? [];
    found.set(node.secret, [...paths, path]);
  } else if (Array.isArray(node)) {
    node.forEach((v, i) => findSecretRefs(v, `${path}[${i}]`, found));
  } else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node))
      findSecretRefs(value, path ? `${path}.${key}` : key, found);
  }
  return found;
}
