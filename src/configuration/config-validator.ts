import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { isSecretRef, SECRET_NAME } from '../secrets/secret-ref.js';
import type { ConfigClass, ConfigSection } from './config-section.js';
import {
  isPlainObject,
  setPath,
  sourceOf,
  type ConfigSources,
  type ConfigTree,
} from './config-layers.js';
import type { ConfigProblem } from './configuration.error.js';

/** A key whose last word is one of these names a secret (`clientSecret`, `access_token`). */
const SECRET_WORDS = new Set([
  'password',
  'passwords',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'apikeys',
  'credential',
  'credentials',
  'authorization',
  'cookie',
]);
/** …or whose last two words are one of these (`apiKey`, `x-api-key`, `private_key`). */
const SECRET_PAIRS = new Set([
  'api key',
  'api keys',
  'private key',
  'secret key',
  'access key',
  'signing key',
  'encryption key',
  'master key',
]);

const UNKNOWN_KEY = 'unknown key (check the spelling)';
const LITERAL_SECRET =
  'looks like a literal secret: configuration never holds secrets; write { secret: <name> } and put the value in the secrets directory';

/**
 * Validates the merged tree against every declared section and returns the typed tree
 * (class instances with defaults applied) plus one problem per fault.
 */
export function validateTree(
  tree: ConfigTree,
  sections: ReadonlyMap<string, ConfigSection<object>>,
  sources: ConfigSources,
): { config: ConfigTree; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  findLiteralSecrets(tree, '', sources, problems);
  findUnknownSections(tree, '', [...sections.keys()], sources, problems);

  const config: ConfigTree = {};
  for (const section of sections.values()) {
    const list = section.kind === 'list';
    const raw: unknown = getPath(tree, section.path) ?? (list ? [] : {});
    if (list ? !Array.isArray(raw) : !isPlainObject(raw)) {
      problems.push({
        source: sourceOf(section.path, sources),
        path: section.path,
        message: `expected ${list ? 'a list' : 'a mapping'}, found ${describe(raw)}`,
      });
      continue;
    }
    setPath(
      config,
      section.path.split('.'),
      validateSection(section, raw as unknown[] | ConfigTree, sources, problems),
    );
  }
  return { config, problems: tidy(problems) };
}

/**
 * One problem per key path, in key order. A literal secret is the one thing said about
 * its key (the same key's type error would only repeat it).
 */
function tidy(problems: ConfigProblem[]): ConfigProblem[] {
  const secretPaths = new Set(
    problems.filter((p) => p.message === LITERAL_SECRET).map((p) => p.path),
  );
  const seen = new Set<string>();
  return problems
    .filter(
      (p) =>
        p.message === LITERAL_SECRET ||
        ![...secretPaths].some((s) => p.path === s || p.path.startsWith(`${s}.`)),
    )
    .filter((p) => {
      const key = `${p.path}\0${p.message}`;
      return seen.has(key) ? false : (seen.add(key), true);
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function validateSection(
  section: ConfigSection<object>,
  raw: unknown[] | ConfigTree,
  sources: ConfigSources,
  problems: ConfigProblem[],
): unknown {
  const { path, schema } = section;
  switch (section.kind) {
    case 'mapping':
      return validateItem(schema, raw, path, sources, problems);
    case 'list':
      return (raw as unknown[]).map((item, i) =>
        validateItem(schema, item, `${path}[${i}]`, sources, problems),
      );
    case 'map': {
      // No prototype: a name such as `constructor` is an entry like any other.
      const items = Object.create(null) as Record<string, unknown>;
      for (const [key, item] of Object.entries(raw)) {
        const itemPath = `${path}.${key}`;
        if (section.keys && !section.keys.pattern.test(key)) {
          problems.push({
            source: sourceOf(itemPath, sources),
            path: itemPath,
            message: `invalid name: expected ${section.keys.expected}`,
          });
        }
        items[key] = validateItem(schema, item, itemPath, sources, problems);
      }
      return items;
    }
  }
}

/** One item: a mapping checked against its class, or any value against its value schema. */
function validateItem(
  schema: ConfigSection<object>['schema'],
  item: unknown,
  path: string,
  sources: ConfigSources,
  problems: ConfigProblem[],
): unknown {
  if (typeof schema !== 'function') {
    const result = schema.validate(item);
    if ('value' in result) return result.value;
    for (const fault of result.faults) {
      const at = `${path}${fault.at}`;
      problems.push({
        source: sourceOf(at, sources),
        path: at,
        message: `expected ${fault.expected}; found ${describe(fault.found)}`,
      });
    }
    return undefined;
  }
  if (isPlainObject(item)) return validateObject(schema, item, path, sources, problems);
  problems.push({
    source: sourceOf(path, sources),
    path,
    message: `expected a mapping, found ${describe(item)}`,
  });
  return undefined;
}

function validateObject(
  schema: ConfigClass,
  raw: ConfigTree,
  path: string,
  sources: ConfigSources,
  problems: ConfigProblem[],
): object {
  const instance = plainToInstance(schema, raw, { exposeDefaultValues: true });
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: true },
  });
  collectProblems(errors, path, sources, problems);
  return instance;
}

function collectProblems(
  errors: ValidationError[],
  prefix: string,
  sources: ConfigSources,
  problems: ConfigProblem[],
): void {
  for (const error of errors) {
    const path = /^\d+$/.test(error.property)
      ? `${prefix}[${error.property}]`
      : `${prefix}.${error.property}`;
    if (error.constraints) {
      const source = sourceOf(path, sources);
      if (error.constraints.whitelistValidation) {
        problems.push({ source, path, message: UNKNOWN_KEY });
      } else {
        const wants = orderConstraints(error.constraints).map((text) =>
          expectation(text, error.property),
        );
        problems.push({
          source,
          path,
          message: `expected ${wants.join(', ')}; found ${describe(error.value)}`,
        });
      }
    }
    if (error.children?.length) collectProblems(error.children, path, sources, problems);
  }
}

/** The type constraint first ("an integer, at least 0, at most 65535"), then the rest as declared. */
function orderConstraints(constraints: Record<string, string>): string[] {
  // Decorators apply bottom-up: reversing restores the order they are written in.
  const entries = Object.entries(constraints).reverse();
  const isType = ([rule]: [string, string]): boolean =>
    /^(is(String|Int|Number|Boolean|Array|Object|Enum|In|Url|Defined)|nestedValidation|unknownValue)$/.test(
      rule,
    );
  return [...entries.filter(isType), ...entries.filter((e) => !isType(e))].map(([, text]) => text);
}

/** class-validator says "port must not be greater than 65535"; we say "at most 65535". */
function expectation(text: string, property: string): string {
  if (/^nested property .* must be either object or array$/.test(text)) return 'a mapping';
  if (text === 'an unknown value was passed to the validate function') return 'a mapping';
  let rest = text.startsWith(`${property} `) ? text.slice(property.length + 1) : text;
  const each = /^each value in \S+ (.*)$/.exec(rest);
  if (each) rest = each[1];
  rest = rest
    .replace(/^(must|should) /, '')
    .replace(/^not be greater than /, 'at most ')
    .replace(/^not be less than /, 'at least ')
    .replace(/^be /, '')
    .replace(/^an integer number$/, 'an integer')
    .replace(/^a boolean value$/, 'true or false')
    .replace(/^an array$/, 'a list')
    .replace(/^one of the following values: /, 'one of: ')
    .replace(/^not be null or undefined$/, 'a value');
  return each ? `each item to be ${rest}` : rest;
}

/** The kind of value found — never the value itself, which may be a secret. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  return `a ${typeof value}`;
}

/** Splits `clientSecret`, `client_secret`, `x-api-key`, `APIKey` into lower-case words. */
function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s_.-]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/** Whether a key names a secret: `apiKey`, `token`, `clientSecret` — not `max_tokens`, `tokenizer`. */
export function isSecretKey(key: string): boolean {
  const w = words(key);
  return (
    SECRET_WORDS.has(w[w.length - 1] ?? '') ||
    (w.length > 1 && SECRET_PAIRS.has(w.slice(-2).join(' ')))
  );
}

/**
 * Text, or a number long enough to be a PIN or key, looks like a secret; `false`/`null`
 * (feature off), small numbers (`max_token: 1`, a typo) and mappings do not.
 */
function holdsLiteral(value: unknown): boolean {
  if (typeof value === 'string') return value !== '';
  if (typeof value === 'number') return Math.abs(value) >= 100_000;
  return Array.isArray(value) && value.some(holdsLiteral);
}

function findLiteralSecrets(
  node: unknown,
  path: string,
  sources: ConfigSources,
  problems: ConfigProblem[],
): void {
  if (Array.isArray(node)) {
    node.forEach((v, i) => findLiteralSecrets(v, `${path}[${i}]`, sources, problems));
    return;
  }
  if (isSecretRef(node)) {
    if (!SECRET_NAME.test(node.secret)) {
      problems.push({
        source: sourceOf(`${path}.secret`, sources),
        path: `${path}.secret`,
        message:
          'expected a secret name of letters, digits, "_", "." or "-" (it is a file name); found a string',
      });
    }
    return;
  }
  if (!isPlainObject(node)) return;
  if (typeof node.secret === 'string' && path) {
    // `{ secret: name, … }`: a reference with extras, not a literal under a `secret` key.
    problems.push({
      source: sourceOf(path, sources),
      path,
      message: `expected a secret reference { secret: <name> } and nothing else; found also ${Object.keys(
        node,
      )
        .filter((k) => k !== 'secret')
        .join(', ')}`,
    });
    return;
  }
  for (const [key, value] of Object.entries(node)) {
    const child = path ? `${path}.${key}` : key;
    if (isSecretKey(key) && holdsLiteral(value)) {
      problems.push({ source: sourceOf(child, sources), path: child, message: LITERAL_SECRET });
      continue;
    }
    findLiteralSecrets(value, child, sources, problems);
  }
}

function findUnknownSections(
  node: ConfigTree,
  prefix: string,
  paths: string[],
  sources: ConfigSources,
  problems: ConfigProblem[],
): void {
  for (const key of Object.keys(node)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (paths.includes(path)) continue;
    const below = paths.filter((p) => p.startsWith(`${path}.`));
    if (below.length && isPlainObject(node[key])) {
      findUnknownSections(node[key], path, below, sources, problems);
    } else if (!below.length || node[key] !== null) {
      problems.push({
        source: sourceOf(path, sources),
        path,
        message: below.length
          ? `expected a mapping of sections (${below.join(', ')}); found ${describe(node[key])}`
          : 'unknown section (check the spelling, or the module that owns it is not loaded)',
      });
    }
  }
}

function getPath(tree: ConfigTree, path: string): unknown {
  let node: unknown = tree;
  for (const key of path.split('.')) {
    if (!isPlainObject(node)) return undefined;
    node = node[key];
  }
  return node;
}
