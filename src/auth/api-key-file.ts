import { createHash } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsOptional,
  IsString,
  Length,
  Matches,
  MinLength,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { parseDocument } from 'yaml';
import { OlPattern } from './ol-pattern.js';

/** One entry of the key file, as an operator writes it. */
export class ApiKeyEntry {
  /** Names the key in logs and audit lines (the key itself never appears). */
  @Matches(/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/, {
    message: '$property must be letters, digits, "_", ".", "@" or "-" (at most 64)',
  })
  id!: string;

  /** The user the key acts for: rate limits and usage are counted per user. */
  @IsString()
  @Length(1, 128)
  user!: string;

  /** Hex SHA-256 of the key (what `npm run keys:create` writes). */
  @IsOptional()
  @Matches(/^[0-9a-f]{64}$/i, { message: '$property must be a hex SHA-256 digest (64 characters)' })
  sha256?: string;

  /** The key itself; accepted for convenience, but prefer `sha256`. */
  @IsOptional()
  @IsString()
  @MinLength(20, { message: '$property must be at least 20 characters long' })
  key?: string;

  /** OL patterns this key may use (`*` for every OL). */
  @IsArray()
  @IsString({ each: true })
  ols!: string[];

  @IsOptional()
  @IsString()
  tier?: string;

  @IsOptional()
  @IsBoolean()
  disabled?: boolean;

  /** For a front end such as Open WebUI: take the end user from its forwarded headers. */
  @IsOptional()
  @IsBoolean()
  trustForwardedUser?: boolean;

  /** May read every user's usage (`GET /v1/organization/usage/completions`), not only its own. */
  @IsOptional()
  @IsBoolean()
  admin?: boolean;
}

/** A usable key: only the digest of the secret is kept in memory. */
export interface ApiKey {
  id: string;
  user: string;
  digest: Buffer;
  patterns: OlPattern[];
  tier: string;
  disabled: boolean;
  trustForwardedUser: boolean;
  admin: boolean;
}

export type ParsedKeyFile =
  { ok: true; keys: ApiKey[]; plaintext: number } | { ok: false; problems: string[] };

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Parses and validates the key file (YAML or JSON: a list of entries, or `keys:` holding
 * one); each key's tier must be in `tiers` when given. Any fault rejects the whole file, so a half-edited file never half-applies.
 * Problems name entries by position and id, never by a key value.
 */
export function parseKeyFile(content: string, tiers?: ReadonlySet<string>): ParsedKeyFile {
  const doc = parseDocument(content, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    // yaml's messages quote the offending line, which may hold a key: report the place only.
    const at = doc.errors[0].linePos?.[0];
    return {
      ok: false,
      problems: [
        `not valid YAML or JSON (${doc.errors[0].code}${at ? ` at line ${at.line}` : ''})`,
      ],
    };
  }
  const data: unknown = doc.toJS();
  const list = Array.isArray(data)
    ? data
    : isObject(data) && Array.isArray(data.keys)
      ? data.keys
      : undefined;
  if (!list)
    return { ok: false, problems: ['expected a list of keys, or a mapping with a `keys:` list'] };

  const problems: string[] = [];
  const keys: ApiKey[] = [];
  const ids = new Set<string>();
  const digests = new Set<string>();
  let plaintext = 0;
  list.forEach((raw: unknown, i) => {
    const where = `keys[${i}]${isObject(raw) && typeof raw.id === 'string' ? ` (${raw.id})` : ''}`;
    if (!isObject(raw)) return problems.push(`${where}: expected a mapping`);
    const entry = plainToInstance(ApiKeyEntry, raw);
    const errors = validateSync(entry, {
      whitelist: true,
      forbidNonWhitelisted: true,
      validationError: { target: false, value: false },
    });
    const faults = errors.flatMap(describe);
    if (!entry.sha256 === !entry.key) faults.push('give exactly one of sha256 or key');
    if (faults.length) return problems.push(`${where}: ${faults.join('; ')}`);

    const tier = entry.tier ?? 'default';
    if (tiers && !tiers.has(tier))
      faults.push(`tier '${tier}' is not among rateLimit.tiers (${[...tiers].join(', ')})`);
    if (ids.has(entry.id)) faults.push(`id '${entry.id}' is used twice`);
    const patterns: OlPattern[] = [];
    for (const source of entry.ols) {
      try {
        patterns.push(OlPattern.parse(source));
      } catch (error) {
        faults.push((error as Error).message);
      }
    }
    const digest = entry.sha256 ? Buffer.from(entry.sha256, 'hex') : sha256(entry.key!);
    if (digests.has(digest.toString('hex'))) faults.push('the same key is listed twice');
    if (faults.length) return problems.push(`${where}: ${faults.join('; ')}`);

    ids.add(entry.id);
    digests.add(digest.toString('hex'));
    if (entry.key) plaintext++;
    keys.push({
      id: entry.id,
      user: entry.user,
      digest,
      patterns,
      tier,
      disabled: entry.disabled === true,
      trustForwardedUser: entry.trustForwardedUser === true,
      admin: entry.admin === true,
    });
  });
  return problems.length ? { ok: false, problems } : { ok: true, keys, plaintext };
}

function describe(error: ValidationError): string[] {
  const own = Object.entries(error.constraints ?? {}).map(([rule, text]) =>
    rule === 'whitelistValidation' ? `unknown field '${error.property}'` : text,
  );
  return [...own, ...(error.children ?? []).flatMap(describe)];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
