import type { FactoryProvider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

export type ConfigClass<T extends object = object> = new () => T;

/** A validated slice of the configuration tree owned by one component (or one OL). */
export interface ConfigSection<T extends object> {
  /** Dotted path in the YAML tree: `server`, `connectors`, `ols.echo`. */
  readonly path: string;
  /** The class of the section, or of each item of a list section. */
  readonly schema: ConfigClass;
  /** A list section (`connectors: [ … ]`) validates each item against `schema`. */
  readonly list: boolean;
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
  return register(path, schema, false);
}

/** A section whose YAML value is a list of items of `schema` (absent means empty). */
export function defineConfigListSection<T extends object>(
  path: string,
  schema: ConfigClass<T>,
): ConfigSection<T[]> {
  return register(path, schema, true);
}

function register<T extends object>(
  path: string,
  schema: ConfigClass,
  list: boolean,
): ConfigSection<T> {
  const existing = sections.get(path);
  if (existing) {
    if (existing.schema !== schema || existing.list !== list) {
      throw new Error(`Configuration section "${path}" is declared twice`);
    }
    return existing as ConfigSection<T>;
  }
  const KEY = Symbol(`config:${path}`);
  const section: ConfigSection<T> = {
    path,
    schema,
    list,
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
