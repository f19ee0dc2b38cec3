import { createHash } from 'node:crypto';
import { registeredSections } from './config-section.js';
import {
  mergeLayers,
  readLayers,
  sourceOf,
  type ConfigSourceOptions,
  type ConfigSources,
  type ConfigTree,
} from './config-layers.js';
import { validateTree } from './config-validator.js';
import { ConfigurationError, type ConfigProblem } from './configuration.error.js';

/** The outcome of loading: the typed tree plus what an operator needs to audit it. */
export class LoadedConfiguration {
  constructor(
    /** Validated section instances, keyed like the YAML. */
    readonly config: ConfigTree,
    /** The layers merged, in order: files, then `override` and `env <NAME>`. */
    readonly sources: string[],
    /** sha256 of the merged raw tree: tells two replicas' configs apart in the audit log. */
    readonly hash: string,
    private readonly keySources: ConfigSources = new Map(),
  ) {}

  /**
   * Where a key path was set (`config/production.yaml:12`, `env PORT`, `defaults`): for a
   * component that finds a problem the section classes cannot see (a cross-reference).
   */
  sourceOf(path: string): string {
    return sourceOf(path, this.keySources);
  }
}

/** Layers, merges and validates; throws one ConfigurationError listing every problem. */
export function loadConfiguration(options: ConfigSourceOptions = {}): LoadedConfiguration {
  const problems: ConfigProblem[] = [];
  const layers = readLayers(options, problems);
  // A file that could not be read would make the rest look wrong too: report it alone.
  if (problems.length) throw new ConfigurationError(problems);
  const { tree, sources } = mergeLayers(layers);
  const validated = validateTree(tree, registeredSections(), sources);
  if (validated.problems.length) throw new ConfigurationError(validated.problems);
  const hash = createHash('sha256').update(JSON.stringify(tree)).digest('hex');
  return new LoadedConfiguration(
    validated.config,
    layers.map((l) => l.source),
    hash,
    sources,
  );
}
