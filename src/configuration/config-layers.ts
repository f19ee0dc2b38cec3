import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { ConfigProblem } from './configuration.error.js';

export type ConfigTree = Record<string, unknown>;

/** Where each key of the merged tree came from (`file:line`, `env PORT`), for error messages. */
export type ConfigSources = Map<string, string>;

export interface ConfigLayer {
  /** A file path, `env <NAME>` or `override`. */
  source: string;
  data: ConfigTree;
  /** Line of each key path in the file, when the layer is a file. */
  lines?: Map<string, number>;
}

export interface ConfigSourceOptions {
  /** Folder holding `default.yaml` and `<NODE_ENV>.yaml`; default `./config`. */
  configDir?: string;
  /** Environment to read `NODE_ENV`, `APP_CONFIG` and the overrides from. */
  env?: NodeJS.ProcessEnv;
  /** A last layer given in code (tests, embedding), below the env overrides. */
  override?: ConfigTree;
}

/**
 * The deployment knobs an operator may set without a YAML file. Kept short on purpose:
 * everything else belongs in a config file.
 */
const ENV_OVERRIDES: ReadonlyArray<{
  env: string;
  path: string[];
  parse: (raw: string) => unknown;
}> = [
  { env: 'PORT', path: ['server', 'port'], parse: toNumberOrRaw },
  { env: 'HOST', path: ['server', 'host'], parse: (raw) => raw.trim() },
  { env: 'LOG_LEVEL', path: ['logging', 'level'], parse: (raw) => raw.trim().toLowerCase() },
  { env: 'SECRETS_DIR', path: ['secrets', 'dir'], parse: (raw) => raw.trim() },
  { env: 'STORAGE_URL', path: ['storage', 'url'], parse: (raw) => raw.trim() },
];

/** Keys that would reach an object's prototype when merged. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const NODE_ENV_NAME = /^[A-Za-z0-9_-]{1,64}$/;

function toNumberOrRaw(raw: string): unknown {
  return /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
}

/** Reads the layers in precedence order (later wins); YAML syntax errors become problems. */
export function readLayers(options: ConfigSourceOptions, problems: ConfigProblem[]): ConfigLayer[] {
  const env = options.env ?? process.env;
  const dir = resolve(options.configDir ?? 'config');
  const layers: ConfigLayer[] = [];
  readFile(join(dir, 'default.yaml'), layers, problems);
  if (env.NODE_ENV) {
    if (NODE_ENV_NAME.test(env.NODE_ENV))
      readFile(join(dir, `${env.NODE_ENV}.yaml`), layers, problems);
    else
      problems.push({
        source: 'env NODE_ENV',
        path: '',
        message: 'expected a name of letters, digits, "_" or "-"',
      });
  }
  if (env.APP_CONFIG) {
    const file = isAbsolute(env.APP_CONFIG) ? env.APP_CONFIG : resolve(env.APP_CONFIG);
    if (!readFile(file, layers, problems)) {
      problems.push({
        source: 'env APP_CONFIG',
        path: '',
        message: `file not found: ${displayPath(file)}`,
      });
    }
  }
  if (options.override) layers.push({ source: 'override', data: options.override });
  for (const { env: name, path, parse } of ENV_OVERRIDES) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const data: ConfigTree = {};
    setPath(data, path, parse(raw));
    layers.push({ source: `env ${name}`, data });
  }
  return layers;
}

/** Adds the file as a layer (or its problems); false when there is no such file. */
function readFile(file: string, layers: ConfigLayer[], problems: ConfigProblem[]): boolean {
  if (!existsSync(file)) return false;
  const source = displayPath(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    problems.push({
      source,
      path: '',
      message: `cannot read the file (${(error as NodeJS.ErrnoException).code})`,
    });
    return true;
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  if (doc.errors.length) {
    for (const error of doc.errors) {
      problems.push({
        source: `${source}:${lineCounter.linePos(error.pos[0]).line}`,
        path: '',
        message: `YAML syntax: ${error.message.split('\n')[0]}`,
      });
    }
    return true;
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) return true;
  if (!isPlainObject(data)) {
    problems.push({ source, path: '', message: 'expected a mapping at the top level' });
    return true;
  }
  const lines = new Map<string, number>();
  if (doc.contents) recordLines(doc.contents, '', lines, lineCounter);
  findForbiddenKeys(data, '', source, lines, problems);
  layers.push({ source, data, lines });
  return true;
}

function recordLines(
  node: YamlNode,
  path: string,
  lines: Map<string, number>,
  counter: LineCounter,
): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const child = path ? `${path}.${key}` : key;
      const at = (pair.key as YamlNode | null)?.range?.[0];
      if (at !== undefined) lines.set(child, counter.linePos(at).line);
      if (pair.value) recordLines(pair.value as YamlNode, child, lines, counter);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      const child = `${path}[${i}]`;
      const at = (item as YamlNode).range?.[0];
      if (at !== undefined) lines.set(child, counter.linePos(at).line);
      recordLines(item as YamlNode, child, lines, counter);
    });
  }
}

function findForbiddenKeys(
  node: unknown,
  path: string,
  source: string,
  lines: Map<string, number>,
  problems: ConfigProblem[],
): void {
  if (Array.isArray(node)) {
    node.forEach((v, i) => findForbiddenKeys(v, `${path}[${i}]`, source, lines, problems));
    return;
  }
  if (!isPlainObject(node)) return;
  for (const key of Object.keys(node)) {
    const child = path ? `${path}.${key}` : key;
    if (FORBIDDEN_KEYS.has(key)) {
      const line = lines.get(child);
      problems.push({
        source: line ? `${source}:${line}` : source,
        path: child,
        message: 'reserved key name',
      });
      delete node[key];
      continue;
    }
    findForbiddenKeys(node[key], child, source, lines, problems);
  }
}

/** Deep-merges the layers: mappings merge, arrays and scalars are replaced. */
export function mergeLayers(layers: ConfigLayer[]): { tree: ConfigTree; sources: ConfigSources } {
  const tree: ConfigTree = {};
  const sources: ConfigSources = new Map();
  for (const layer of layers) mergeInto(tree, layer.data, '', layer, sources);
  return { tree, sources };
}

function mergeInto(
  target: ConfigTree,
  source: ConfigTree,
  prefix: string,
  layer: ConfigLayer,
  sources: ConfigSources,
): void {
  for (const [key, value] of Object.entries(source)) {
    if (FORBIDDEN_KEYS.has(key)) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    if (isPlainObject(value) && isPlainObject(target[key])) {
      recordSource(path, layer, sources);
      mergeInto(target[key] as ConfigTree, value, path, layer, sources);
      continue;
    }
    // A replaced subtree must not keep the provenance of what it replaced.
    for (const known of [...sources.keys()]) {
      if (known.startsWith(`${path}.`) || known.startsWith(`${path}[`)) sources.delete(known);
    }
    target[key] = isPlainObject(value) || Array.isArray(value) ? structuredClone(value) : value;
    recordSources(value, path, layer, sources);
  }
}

function recordSource(path: string, layer: ConfigLayer, sources: ConfigSources): void {
  const line = layer.lines?.get(path);
  sources.set(path, line ? `${layer.source}:${line}` : layer.source);
}

function recordSources(
  value: unknown,
  path: string,
  layer: ConfigLayer,
  sources: ConfigSources,
): void {
  recordSource(path, layer, sources);
  if (Array.isArray(value))
    value.forEach((v, i) => recordSources(v, `${path}[${i}]`, layer, sources));
  else if (isPlainObject(value))
    for (const [k, v] of Object.entries(value)) recordSources(v, `${path}.${k}`, layer, sources);
}

/** The place a key path came from: the path itself, else its nearest recorded ancestor. */
export function sourceOf(path: string, sources: ConfigSources): string {
  for (let p = path; p;) {
    const source = sources.get(p);
    if (source) return source;
    const parent = p.replace(/(\.[^.[\]]+|\[\d+\])$/, '');
    if (parent === p) break;
    p = parent;
  }
  return 'defaults';
}

export function isPlainObject(value: unknown): value is ConfigTree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A path relative to the working directory when it is inside it: shorter messages. */
function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** Sets `value` at `path` (keys), creating the mappings on the way. */
export function setPath(tree: ConfigTree, path: string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    if (!isPlainObject(node[key])) node[key] = {};
    node = node[key] as ConfigTree;
  }
  node[path[path.length - 1]] = value;
}
