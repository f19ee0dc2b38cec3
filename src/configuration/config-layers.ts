import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { ConfigProblem } from './configuration.error.js';

export type ConfigTree = Record<string, unknown>;

/** Where each key of the merged tree came from, for error messages. */
export type ConfigSources = Map<string, string>;

export interface ConfigLayer {
  source: string;
  data: ConfigTree;
}

export interface ConfigSourceOptions {
  /** Folder holding `default.yaml` and `<NODE_ENV>.yaml`; default `./config`. */
  configDir?: string;
  /** Environment to read `NODE_ENV`, `APP_CONFIG` and the overrides from. */
  env?: NodeJS.ProcessEnv;
  /** A last layer given in code (tests, embedding). */
  override?: ConfigTree;
}

/**
 * The deployment knobs an operator may set without a YAML file. Kept short on purpose:
 * everything else belongs in a config file.
 */
export const ENV_OVERRIDES: ReadonlyArray<{
  env: string;
  path: string[];
  parse: (raw: string) => unknown;
}> = [
  { env: 'PORT', path: ['server', 'port'], parse: toNumberOrRaw },
  { env: 'HOST', path: ['server', 'host'], parse: String },
  { env: 'LOG_LEVEL', path: ['logging', 'level'], parse: String },
  { env: 'SECRETS_DIR', path: ['secrets', 'dir'], parse: String },
  { env: 'STORAGE_URL', path: ['storage', 'url'], parse: String },
];

function toNumberOrRaw(raw: string): unknown {
  return /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
}

/** Reads the layers in precedence order (later wins); YAML syntax errors become problems. */
export function readLayers(options: ConfigSourceOptions, problems: ConfigProblem[]): ConfigLayer[] {
  const env = options.env ?? process.env;
  const dir = resolve(options.configDir ?? 'config');
  const files = [join(dir, 'default.yaml')];
  if (env.NODE_ENV) files.push(join(dir, `${env.NODE_ENV}.yaml`));
  const layers: ConfigLayer[] = [];
  for (const file of files) {
    if (existsSync(file)) pushFile(file, layers, problems);
  }
  if (env.APP_CONFIG) {
    const file = isAbsolute(env.APP_CONFIG) ? env.APP_CONFIG : resolve(env.APP_CONFIG);
    if (existsSync(file)) pushFile(file, layers, problems);
    else problems.push({ source: 'env', path: 'APP_CONFIG', message: `file not found: ${file}` });
  }
  if (options.override) layers.push({ source: 'override', data: options.override });
  const fromEnv: ConfigTree = {};
  for (const { env: name, path, parse } of ENV_OVERRIDES) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') setPath(fromEnv, path, parse(raw));
  }
  if (Object.keys(fromEnv).length) layers.push({ source: 'env', data: fromEnv });
  return layers;
}

function pushFile(file: string, layers: ConfigLayer[], problems: ConfigProblem[]): void {
  const doc = parseDocument(readFileSync(file, 'utf8'), { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    for (const error of doc.errors) {
      const at = error.linePos?.[0];
      problems.push({
        source: at ? `${file}:${at.line}:${at.col}` : file,
        path: '',
        message: `YAML syntax: ${error.message.split('\n')[0]}`,
      });
    }
    return;
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) return;
  if (!isPlainObject(data)) {
    problems.push({ source: file, path: '', message: 'expected a mapping at the top level' });
    return;
  }
  layers.push({ source: file, data });
}

/** Deep-merges the layers: mappings merge, arrays and scalars are replaced. */
export function mergeLayers(layers: ConfigLayer[]): { tree: ConfigTree; sources: ConfigSources } {
  const tree: ConfigTree = {};
  const sources: ConfigSources = new Map();
  for (const layer of layers) mergeInto(tree, layer.data, '', layer.source, sources);
  return { tree, sources };
}

function mergeInto(
  target: ConfigTree,
  source: ConfigTree,
  prefix: string,
  file: string,
  sources: ConfigSources,
): void {
  for (const [key, value] of Object.entries(source)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isPlainObject(value) && isPlainObject(target[key])) {
      mergeInto(target[key] as ConfigTree, value, path, file, sources);
      continue;
    }
    target[key] = isPlainObject(value) ? structuredClone(value) : value;
    recordSources(value, path, file, sources);
  }
}

function recordSources(value: unknown, path: string, file: string, sources: ConfigSources): void {
  sources.set(path, file);
  if (Array.isArray(value)) value.forEach((v, i) => recordSources(v, `${path}[${i}]`, file, sources));
  else if (isPlainObject(value))
    for (const [k, v] of Object.entries(value)) recordSources(v, `${path}.${k}`, file, sources);
}

/** The file a key path came from: the path itself, else its nearest recorded ancestor. */
export function sourceOf(path: string, sources: ConfigSources): string {
  for (let p = path; p; p = p.replace(/(\.[^.[\]]+|\[\d+\])$/, '')) {
    const source = sources.get(p);
    if (source) return source;
    if (!/[.[]/.test(p)) break;
  }
  return 'defaults';
}

export function isPlainObject(value: unknown): value is ConfigTree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function setPath(tree: ConfigTree, path: string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    if (!isPlainObject(node[key])) node[key] = {};
    node = node[key] as ConfigTree;
  }
  node[path[path.length - 1]] = value;
}
