import type { FactoryProvider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

export type ConfigClass<T extends object = object> = new () => T;

/** One fault of a plain item: where below the item (`''` for itself, `[1]`, `.name`), what was expected, what was found. */
export interface ConfigValueFault {
  at: string;
  /** `a non-empty list of tool names`: the message reads "expected <this>; found <kind of value>". */
  expected: string;
  /** The offending value: only its kind is ever shown, as it could be a secret. */
  found: unknown;
}

/**
 * Validates an item that is not a mapping (a list of names, a number), for which a
 * class-validator class does not fit: returns the value to use, or every fault found.
 */
export interface ConfigValueSchema<T> {
  validate(value: unknown): { value: T } | { faults: ConfigValueFault[] };
}

/** Names a map section accepts as keys, and how to say so: `{ pattern: /^[a-z]+$/, expected: 'lower-case letters' }`. */
export interface ConfigKeyRule {
  pattern: RegExp;
  expected: string;
}

/**
 * `mapping`: the section is one object of `schema`; `list`: a list of them (`connectors: [ … ]`);
 * `map`: free names to items (`toolsets: { files: [ … ] }`), items of a class or a value schema.
 */
export type ConfigSectionKind = 'mapping' | 'list' | 'map';

/** A validated slice of the configuration tree owned by one component (or one OL). */
export interface ConfigSection<T extends object> {
  /** Dotted path in the YAML tree: `server`, `connectors`, `ols.echo`. */
  readonly path: string;
  /** The class of the section, or of each item of a list or map section. */
  readonly schema: ConfigClass | ConfigValueSchema<unknown>;
  readonly kind: ConfigSectionKind;
  /** The names a map section accepts as keys (any, when absent). */
  readonly keys?: ConfigKeyRule;
  /** Injection token: `@Inject(serverConfig.KEY) config: ServerConfig`. */
  readonly KEY: symbol;
  /** Add to the owning module's providers. */
  provider(): FactoryProvider<T>;
}

const sections = new Map<string, ConfigSection<object>>();

/**
 * Declares a configuration section. Sections must be declared at module scope (the
 * registry is read when the app boots, after every import has run), and each path once.
 */
export function defineConfigSection<T extends object>(
  path: string,
  schema: ConfigClass<T>,
): ConfigSection<T> {
  return register(path, schema, 'mapping');
}

/** A section whose YAML value is a list of items of `schema` (absent means empty). */
export function defineConfigListSection<T extends object>(
  path: string,
  schema: ConfigClass<T>,
): ConfigSection<T[]> {
  return register(path, schema, 'list');
}

/**
 * A section whose YAML value maps names of the operator's choosing to items (absent means
 * empty): `toolsets: { files: [read_file, list_files] }`. Items are mappings validated by a
 * class (unknown keys refused, as everywhere) or other values validated by a
 * `ConfigValueSchema`. The instance is an object without prototype, keyed by name.
 */
export function defineConfigMapSection<T extends object>(
  path: string,
  schema: ConfigClass<T>,
  keys?: ConfigKeyRule,
): ConfigSection<Readonly<Record<string, T>>>;
export function defineConfigMapSection<T>(
  path: string,
  schema: ConfigValueSchema<T>,
  keys?: ConfigKeyRule,
): ConfigSection<Readonly<Record<string, T>>>;
export function defineConfigMapSection(
  path: string,
  schema: ConfigClass | ConfigValueSchema<unknown>,
  keys?: ConfigKeyRule,
): ConfigSection<Readonly<Record<string, unknown>>> {
  return register(path, schema, 'map', keys);
}

function register<T extends object>(
  path: string,
  schema: ConfigClass | ConfigValueSchema<unknown>,
  kind: ConfigSectionKind,
  keys?: ConfigKeyRule,
): ConfigSection<T> {
  const existing = sections.get(path);
  if (existing) {
    if (existing.schema !== schema || existing.kind !== kind || existing.keys !== keys) {
      throw new Error(`Configuration section "${path}" is declared twice`);
    }
    return existing as ConfigSection<T>;
  }
  const KEY = Symbol(`config:${path}`);
  const section: ConfigSection<T> = {
    path,
    schema,
    kind,
    keys,
    KEY,
    provider: () => ({
      provide: KEY,
      useFactory: (config: ConfigService) => config.getOrThrow<T>(path),
      inject: [ConfigService],
    }),
  };
  sections.set(path, section as ConfigSection<object>);
  return section;
}

export function registeredSections(): ReadonlyMap<string, ConfigSection<object>> {
  return sections;
}
