import { createHash } from 'node:crypto';
import { registeredSections } from './config-section.js';
import { mergeLayers, readLayers, type ConfigSourceOptions, type ConfigTree } from './config-layers.js';
import { validateTree } from './config-validator.js';
import { ConfigurationError, type ConfigProblem } from './configuration.error.js';

/** The outcome of loading: the typed tree plus what an operator needs to audit it. */
export class LoadedConfiguration {
  constructor(
    /** Validated section instances, keyed like the YAML. */
    readonly config: ConfigTree,
    /** The files merged, in order. */
    readonly sources: string[],
    /** sha256 of the merged raw tree: tells two replicas' configs apart in the audit log. */
    readonly hash: string,
  ) {}
}

/** Layers, merges and validates; throws one ConfigurationError listing every problem. */
export function loadConfiguration(options: ConfigSourceOptions = {}): LoadedConfiguration {
  const problems: ConfigProblem[] = [];
  const layers = readLayers(options, problems);
  const { tree, sources } = mergeLayers(layers);
  const validated = validateTree(tree, registeredSections(), sources);
  problems.push(...validated.problems);
  if (problems.length) throw new ConfigurationError(problems);
  const hash = createHash('sha256').update(JSON.stringify(tree)).digest('hex');
  return new LoadedConfiguration(
    validated.config,
    layers.map((l) => l.source),
    hash,
  );
}
