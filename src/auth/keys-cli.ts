/**
 * `npm run keys:create -- --user alice --ols 'echo,chat:*' [--tier pro] [--id alice-laptop]
 * [--trust-forwarded-user] [--admin] [--file /run/secrets/api_keys]`: makes a strong key,
 * prints it once on stdout, and appends only its SHA-256 to the key file (created with mode
 * 600). The running service picks the change up by itself.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Document, isMap, isSeq, parseDocument } from 'yaml';
import { parseKeyFile, sha256 } from './api-key-file.js';

export interface CreateKeyOptions {
  user: string;
  ols: string[];
  tier?: string;
  id?: string;
  trustForwardedUser?: boolean;
  /** May read every user's usage. */
  admin?: boolean;
  file: string;
}

/** Appends a new key's entry to `file` and returns the key (the only time it exists in clear). */
export function createKey(options: CreateKeyOptions): { id: string; key: string } {
  const key = `sk-${randomBytes(32).toString('base64url')}`;
  const id =
    options.id ??
    `${options.user.replace(/[^A-Za-z0-9_.@-]/g, '_')}-${randomBytes(3).toString('hex')}`;
  const entry = {
    id,
    user: options.user,
    sha256: sha256(key).toString('hex'),
    ols: options.ols,
    ...(options.tier ? { tier: options.tier } : {}),
    ...(options.trustForwardedUser ? { trustForwardedUser: true } : {}),
    ...(options.admin ? { admin: true } : {}),
  };
  const existing = existsSync(options.file) ? readFileSync(options.file, 'utf8') : '';
  const next = appendEntry(existing, entry);
  // Tiers are checked by the service, against its config; everything else here.
  const parsed = parseKeyFile(next);
  if (!parsed.ok)
    throw new Error(`the key file would be invalid:\n  - ${parsed.problems.join('\n  - ')}`);
  // Write then rename: the watching service never reads a half-written file.
  const temp = join(dirname(options.file), `.${basename(options.file)}.${process.pid}.tmp`);
  writeFileSync(temp, next, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, options.file);
  return { id, key };
}

/** Adds the entry under `keys:` (keeping comments) or to a JSON list, as the file is written. */
function appendEntry(existing: string, entry: Record<string, unknown>): string {
  if (!existing.trim()) return new Document({ keys: [entry] }).toString();
  if (/^\s*[[{]/.test(existing)) {
    const data = JSON.parse(existing) as unknown;
    if (Array.isArray(data)) data.push(entry);
    else if (isRecord(data) && Array.isArray(data.keys)) data.keys.push(entry);
    else throw new Error('the key file is neither a list nor a mapping with a keys list');
    return `${JSON.stringify(data, null, 2)}\n`;
  }
  const doc = parseDocument(existing);
  if (doc.errors.length) throw new Error('the key file is not valid YAML; fix it first');
  const list = isSeq(doc.contents)
    ? doc.contents
    : isMap(doc.contents)
      ? doc.get('keys')
      : undefined;
  if (!isSeq(list))
    throw new Error('the key file is neither a list nor a mapping with a keys list');
  list.add(doc.createNode(entry));
  return doc.toString();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function main(argv: string[]): void {
  const { values } = parseArgs({
    args: argv,
    options: {
      user: { type: 'string' },
      ols: { type: 'string' },
      tier: { type: 'string' },
      id: { type: 'string' },
      'trust-forwarded-user': { type: 'boolean' },
      admin: { type: 'boolean' },
      file: { type: 'string' },
    },
  });
  if (!values.user || !values.ols) {
    process.stderr.write(
      "usage: npm run keys:create -- --user <user> --ols '<pattern>[,<pattern>…]' [--tier <tier>] [--id <id>]\n" +
        '         [--trust-forwarded-user] [--admin] [--file <key file>]\n' +
        "  --ols '*' allows every OL. --admin: the key may read every user's usage.\n" +
        '  The key file defaults to $SECRETS_DIR/api_keys (/run/secrets/api_keys).\n',
    );
    process.exit(2);
  }
  const file = values.file ?? join(process.env.SECRETS_DIR ?? '/run/secrets', 'api_keys');
  const { id, key } = createKey({
    user: values.user,
    ols: values.ols
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
    tier: values.tier,
    id: values.id,
    trustForwardedUser: values['trust-forwarded-user'],
    admin: values.admin,
    file,
  });
  process.stderr.write(
    `Key '${id}' for user '${values.user}' added to ${file} (only its SHA-256 is stored).\n`,
  );
  process.stderr.write('Copy it now, it is shown only once:\n');
  process.stdout.write(`${key}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`keys:create failed: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
