import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { isSecretRef } from '../secrets/secret-ref.js';
import { type ConfigSection } from './config-section.js';
import { isPlainObject, sourceOf, type ConfigSources, type ConfigTree } from './config-layers.js';
import type { ConfigProblem } from './configuration.error.js';

/** Keys whose value must be a `{ secret: <name> }` reference, never a literal. */
const SECRET_KEY = /(^|[_-])(api[_-]?key|token|access[_-]?token|password|passwd|secret|client[_-]?secret|private[_-]?key|credentials?)$|^[a-z]+(ApiKey|Token|Password|Secret|PrivateKey)$/i;

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
    const raw = getPath(tree, section.path) ?? (section.list ? [] : {});
    const wanted = section.list ? Array.isArray(raw) : isPlainObject(raw);
    if (!wanted) {
      problems.push({
        source: sourceOf(section.path, sources),
        path: section.path,
        message: `expected ${section.list ? 'a list' : 'a mapping'}, found ${describe(raw)}`,
      });
      continue;
    }
    if (section.list) {
      const items = (raw as unknown[]).map((item, i) => {
        const path = `${section.path}[${i}]`;
        if (isPlainObject(item)) return validateObject(section.schema, item, path, sources, problems);
        problems.push({ source: sourceOf(path, sources), path, message: `expected a mapping, found ${describe(item)}` });
        return undefined;
      });
      setPath(config, section.path, items);
    } else {
      setPath(config, section.path, validateObject(section.schema, raw as ConfigTree, section.path, sources, problems));
    }
  }
  return { config, problems };
}

function validateObject(
  schema: ConfigSection<object>['schema'],
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
      const messages = Object.entries(error.constraints).map(([rule, text]) =>
        rule === 'whitelistValidation' ? 'unknown key (check the spelling)' : expected(text, error),
      );
      const unknown = messages.includes('unknown key (check the spelling)');
      problems.push({
        source: sourceOf(path, sources),
        path,
        message: unknown
          ? 'unknown key (check the spelling)'
          : `${messages.join('; ')}; found ${describe(error.value)}`,
      });
    }
    if (error.children?.length) collectProblems(error.children, path, sources, problems);
  }
}

/** class-validator says "port must be an integer number"; we say what was expected. */
function expected(text: string, error: ValidationError): string {
  const rest = text.startsWith(error.property) ? text.slice(error.property.length).trim() : text;
  return `expected: ${rest.replace(/^(must|should) (be )?/, '')}`;
}

/** The kind of value found — never the value itself, which may be a secret. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string';
  return `a ${typeof value}`;
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
  if (!isPlainObject(node) || isSecretRef(node)) return;
  for (const [key, value] of Object.entries(node)) {
    const child = path ? `${path}.${key}` : key;
    if (SECRET_KEY.test(key) && value !== null && value !== undefined && !isSecretRef(value)) {
      problems.push({
        source: sourceOf(child, sources),
        path: child,
        message:
          'looks like a literal secret: configuration never holds secrets; write { secret: <name> } and put the value in the secrets directory',
      });
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
    } else {
      problems.push({
        source: sourceOf(path, sources),
        path,
        message: 'unknown section (check the spelling, or the module that owns it is not loaded)',
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

function setPath(tree: ConfigTree, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = tree;
  for (const key of keys.slice(0, -1)) {
    if (!isPlainObject(node[key])) node[key] = {};
    node = node[key] as ConfigTree;
  }
  node[keys[keys.length - 1]] = value;
}
