import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigurationError, type ConfigProblem } from '../configuration/configuration.error.js';
import { LoadedConfiguration } from '../configuration/load-configuration.js';
import { ToolExecutor, type ToolCallScope } from '../tools/tool-executor.js';
import { ToolRegistry, type RegisteredTool } from '../tools/tool-registry.js';
import { ToolsError, ToolsErrorCode } from '../tools/tools.error.js';
import { WorkspaceService } from '../tools/workspace.service.js';
import { Toolset, type ToolsetFactory } from './toolset.js';
import { toolsetsConfig, type ToolsetsConfig } from './toolsets.config.js';

/**
 * Composes tools into toolsets (C4): the named groups of `toolsets` in config, and the
 * factory each OL call gets as `ctx.tools`. Nothing is tied to the URN statically: the
 * OL decides what each LLM call is offered.
 */
@Injectable()
export class ToolsetsService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Toolsets');

  constructor(
    @Inject(toolsetsConfig.KEY) private readonly sets: ToolsetsConfig,
    private readonly registry: ToolRegistry,
    private readonly executor: ToolExecutor,
    private readonly workspaces: WorkspaceService,
    private readonly loaded: LoadedConfiguration,
  ) {}

  /** Checks the configured toolsets once every tool source (MCP included) has registered. */
  onApplicationBootstrap(): void {
    const problems: ConfigProblem[] = [];
    const problem = (path: string, message: string): void => {
      problems.push({ source: this.loaded.sourceOf(path), path, message });
    };
    for (const [set, names] of Object.entries(this.sets)) {
      if (this.registry.get(set) || this.registry.whyUnavailable(set))
        problem(`toolsets.${set}`, 'a tool has the same name; rename the toolset');
      names.forEach((name, i) => {
        const path = `toolsets.${set}[${i}]`;
        if (Object.hasOwn(this.sets, name)) {
          problem(path, `'${name}' is a toolset; list its tools instead (toolsets do not nest)`);
        } else if (!this.expand(name).length) {
          const why = this.registry.whyUnavailable(name);
          if (why) this.logger.warn(`${path}: ${name} is left out: ${why}`);
          else problem(path, `unknown tool '${name}'`);
        }
      });
    }
    if (problems.length) throw new ConfigurationError(problems);
  }

  /** The toolset factory of one OL call. */
  forCall(scope: ToolCallScope): ToolsetFactory {
    const resolve = (names: readonly string[]): RegisteredTool[] => this.resolve(names);
    return {
      select: (names) => new Toolset(resolve(names), resolve, this.executor, scope),
      all: () => new Toolset(this.registry.all(), resolve, this.executor, scope),
      openWorkspace: (path) => this.workspaces.open(path),
    };
  }

  /** Tools of the names, in order, without duplicates. */
  resolve(names: readonly string[]): RegisteredTool[] {
    const found = new Set<RegisteredTool>();
    for (const name of names) {
      const set = Object.hasOwn(this.sets, name) ? this.sets[name] : undefined;
      if (set) {
        // Inside a configured toolset, a tool whose source is down is skipped (logged at boot).
        for (const entry of set) for (const tool of this.expand(entry)) found.add(tool);
        continue;
      }
      const tools = this.expand(name);
      if (!tools.length) {
        const why = this.registry.whyUnavailable(name);
        throw new ToolsError(
          ToolsErrorCode.UNKNOWN_TOOL,
          why ? `Tool '${name}' is unavailable: ${why}` : `Unknown tool or toolset '${name}'`,
          'model',
        );
      }
      for (const tool of tools) found.add(tool);
    }
    return [...found];
  }

  private expand(name: string): RegisteredTool[] {
    if (name.endsWith('.*')) return this.registry.withPrefix(name.slice(0, -2));
    const tool = this.registry.get(name);
    return tool ? [tool] : [];
  }
}
