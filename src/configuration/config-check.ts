import { Document, visit } from 'yaml';
import { findSecretRefs, isSecretRef } from '../secrets/secret-ref.js';
import { lookupSecret } from '../secrets/secret-source.js';
import { secretsConfig, type SecretsConfig } from '../secrets/secrets.config.js';
import { ConfigurationError } from './configuration.error.js';
import { loadConfiguration, type LoadedConfiguration } from './load-configuration.js';

const USAGE = `Usage: npm run config:check -- [<file.yaml>] [--no-secrets]
  <file.yaml>     check this file as the APP_CONFIG layer (default: $APP_CONFIG, if set)
  --no-secrets    do not look for the secrets the configuration references
`;

/** What the check found: lines for stdout and stderr, and the exit code. */
export interface ConfigCheckResult {
  stdout: string;
  stderr: string;
  code: 0 | 1;
}

/**
 * What `npm run config:check` does (see `src/config-check.ts`): validates the configuration
 * the service would boot with against every registered section, checks that each referenced
 * secret can be found (never printing it), and prints the merged result — defaults
 * included, secret references as references.
 */
export function checkConfiguration(
  args: string[],
  env: NodeJS.ProcessEnv,
  configDir?: string,
): ConfigCheckResult {
  const flags = args.filter((a) => a.startsWith('-'));
  const files = args.filter((a) => !a.startsWith('-'));
  if (flags.includes('--help') || flags.includes('-h'))
    return { stdout: USAGE, stderr: '', code: 0 };
  const unknown = flags.filter((f) => f !== '--no-secrets');
  if (unknown.length || files.length > 1) {
    return {
      stdout: '',
      stderr: `${unknown.length ? `unknown option ${unknown[0]}\n` : ''}${USAGE}`,
      code: 1,
    };
  }
  const effective = files.length ? { ...env, APP_CONFIG: files[0] } : env;
  let loaded: LoadedConfiguration;
  try {
    loaded = loadConfiguration({ env: effective, configDir });
  } catch (error) {
    if (error instanceof ConfigurationError)
      return { stdout: '', stderr: `${error.message}\n`, code: 1 };
    throw error;
  }

  const header = [
    `# Configuration OK: ${loaded.sources.join(', ') || 'defaults only'}`,
    `# sha256 ${loaded.hash}`,
  ];
  const problems: string[] = [];
  const warnings: string[] = [];
  if (!flags.includes('--no-secrets')) {
    const dir = (loaded.config[secretsConfig.path] as SecretsConfig).dir;
    for (const [name, paths] of findSecretRefs(loaded.config)) {
      const lookup = lookupSecret(name, dir, effective);
      if (lookup.value === undefined) {
        problems.push(
          `  - "${name}" (referenced by ${paths.join(', ')}): ${lookup.error ?? `not found; tried ${lookup.tried.join(', ')}`}`,
        );
        continue;
      }
      header.push(`# secret ${name}: ${lookup.tried[0]}`);
      if (lookup.from === 'env')
        warnings.push(
          `warning: secret "${name}" comes from the environment; prefer a file in ${dir}`,
        );
      if (lookup.looseMode) {
        warnings.push(
          `warning: secret file ${lookup.tried[0]} is readable by group or others (mode ${lookup.looseMode})`,
        );
      }
    }
  }
  const stdout = `${header.join('\n')}\n${printable(loaded)}`;
  const notes = warnings.map((w) => `${w}\n`).join('');
  if (problems.length) {
    const title = `Missing secret${problems.length > 1 ? 's' : ''}:`;
    return { stdout, stderr: `${notes}${title}\n${problems.join('\n')}\n`, code: 1 };
  }
  return { stdout, stderr: notes, code: 0 };
}

/** The merged tree as YAML: `{ secret: name }` on one line, URL passwords masked. */
function printable(loaded: LoadedConfiguration): string {
  // A section may hold `Map` fields (class-transformer builds them); JSON would print `{}`.
  const plain = JSON.stringify(loaded.config, (_key, value: unknown) =>
    value instanceof Map ? Object.fromEntries(value) : value,
  );
  const doc = new Document(JSON.parse(plain) as unknown);
  visit(doc, {
    Map(_key, node) {
      if (isSecretRef(node.toJSON())) node.flow = true;
    },
    Scalar(_key, node) {
      if (typeof node.value === 'string') node.value = maskUrlPassword(node.value);
    },
  });
  return doc.toString();
}

function maskUrlPassword(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:\s]*:)[^/@\s]+@/i, '$1***@');
}
