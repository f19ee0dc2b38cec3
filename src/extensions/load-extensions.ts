import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DynamicModule, Type } from '@nestjs/common';
import { ConfigurationError } from '../configuration/configuration.error.js';

export type ExtensionModule = Type<unknown> | DynamicModule;

/**
 * The Nest modules named by `EXTENSION_MODULES` — comma-separated `<file>#<export>` entries,
 * e.g. `/app/extensions/shout.module.js#ShoutModule` — so a container image gains OLs,
 * tools and policies by mounting compiled modules, without a rebuild. Read before the app
 * is built: the modules become part of it like any built-in one.
 */
export async function loadExtensions(spec: string | undefined): Promise<ExtensionModule[]> {
  const entries = (spec ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const modules: ExtensionModule[] = [];
  const problems: Array<{ source: string; path: string; message: string }> = [];
  for (const entry of entries) {
    const [file, name = 'default'] = entry.split('#');
    const path = isAbsolute(file) ? file : resolve(file);
    try {
      const loaded = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
      const module = loaded[name];
      if (typeof module === 'function' || (typeof module === 'object' && module !== null)) {
        modules.push(module as ExtensionModule);
      } else {
        problems.push({
          source: 'env EXTENSION_MODULES',
          path: entry,
          message: `${path} exports no '${name}'`,
        });
      }
    } catch (error) {
      problems.push({
        source: 'env EXTENSION_MODULES',
        path: entry,
        message: `cannot load ${path}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      });
    }
  }
  if (problems.length) throw new ConfigurationError(problems);
  return modules;
}
