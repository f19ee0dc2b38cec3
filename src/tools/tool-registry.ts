import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { ToolArguments, type ArgumentsCheck } from './tool-arguments.js';
import {
  ToolMetadata,
  type JsonSchema,
  type ToolContext,
  type ToolHandler,
  type ToolOutput,
} from './tool.decorator.js';

/** What a tool source hands the registry. */
export interface ToolSpec {
  /** The name toolsets and URNs use: `calculator`, `<mcp server>.<tool>`. */
  name: string;
  /** The name models see; OpenAI and Anthropic allow only `[a-zA-Z0-9_-]{1,64}`. Default: `name`. */
  wireName?: string;
  description: string;
  parameters: JsonSchema;
  timeoutMs?: number;
  needsWorkspace?: boolean;
  /** Where it came from, for messages and for removing a source's tools at once. */
  source: string;
  run(args: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutput> | ToolOutput;
}

export interface RegisteredTool extends Required<Omit<ToolSpec, 'timeoutMs'>> {
  readonly timeoutMs?: number;
  readonly check: ArgumentsCheck;
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * Every tool of the app: `@Tool` providers found at boot, plus tools that sources such as
 * MCP servers register. Names are unique (a duplicate stops the boot); argument schemas
 * are compiled once, here.
 */
@Injectable()
export class ToolRegistry implements OnModuleInit {
  private readonly logger = new Logger(ToolRegistry.name);
  private readonly tools = new Map<string, RegisteredTool>();
  private readonly byWire = new Map<string, RegisteredTool>();
  /** Why a tool (`name`) or a family (`prefix.*`) is absent: disabled, server down. */
  private readonly unavailable = new Map<string, string>();
  private readonly args = new ToolArguments();

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: ToolMetadata.KEY })) {
      const options = this.discovery.getMetadataByDecorator(ToolMetadata, wrapper);
      if (!options) continue;
      const className = wrapper.metatype?.name ?? String(wrapper.token);
      if (!TOOL_NAME.test(options.name)) {
        throw new Error(
          `Tool ${className}: invalid name "${options.name}" (letters, digits, "_", "-", at most 64)`,
        );
      }
      if (!wrapper.isDependencyTreeStatic()) {
        throw new Error(
          `Tool "${options.name}" (${className}) must be a singleton provider, not request-scoped`,
        );
      }
      const handler = wrapper.instance as ToolHandler;
      if (typeof handler?.run !== 'function') {
        throw new Error(`Tool "${options.name}" (${className}) has no run(args, ctx) method`);
      }
      const disabled = handler.disabledReason?.();
      if (disabled) {
        this.assertUnique(options.name, options.name, className);
        this.unavailable.set(options.name, disabled);
        this.logger.log(`tool ${options.name} is disabled: ${disabled}`);
        continue;
      }
      this.register({ ...options, source: className, run: (args, ctx) => handler.run(args, ctx) });
    }
  }

  /** Adds a tool; throws on a duplicate name or an invalid parameters schema. */
  register(spec: ToolSpec): RegisteredTool {
    const wireName = spec.wireName ?? spec.name;
    if (!TOOL_NAME.test(wireName))
      throw new Error(`Tool "${spec.name}": invalid model-facing name "${wireName}"`);
    this.assertUnique(spec.name, wireName, spec.source);
    if (spec.parameters.type !== 'object') {
      throw new Error(
        `Tool "${spec.name}" (${spec.source}): parameters must be a JSON Schema of type "object"`,
      );
    }
    let check: ArgumentsCheck;
    try {
      check = this.args.compile(spec.parameters);
    } catch (error) {
      throw new Error(
        `Tool "${spec.name}" (${spec.source}): invalid parameters schema: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const tool: RegisteredTool = {
      name: spec.name,
      wireName,
      description: spec.description,
      parameters: spec.parameters,
      timeoutMs: spec.timeoutMs,
      needsWorkspace: spec.needsWorkspace ?? false,
      source: spec.source,
      run: spec.run,
      check,
    };
    this.tools.set(tool.name, tool);
    this.byWire.set(wireName, tool);
    return tool;
  }

  /** Removes every tool of a source (an MCP server that went away or changed its list). */
  unregisterSource(source: string): void {
    for (const tool of [...this.tools.values()]) {
      if (tool.source !== source) continue;
      this.tools.delete(tool.name);
      this.byWire.delete(tool.wireName);
    }
  }

  /** Records why `name` (or every `prefix.*`) is missing, for clear errors; undefined clears it. */
  setUnavailable(pattern: string, reason: string | undefined): void {
    if (reason === undefined) this.unavailable.delete(pattern);
    else this.unavailable.set(pattern, reason);
  }

  whyUnavailable(name: string): string | undefined {
    const dot = name.indexOf('.');
    return (
      this.unavailable.get(name) ??
      (dot > 0 ? this.unavailable.get(`${name.slice(0, dot)}.*`) : undefined)
    );
  }

  get(name: string): RegisteredTool | undefined {
    return this.tools.get(name);
  }

  /** The tool a model called, by the name it was shown. */
  getByWireName(wireName: string): RegisteredTool | undefined {
    return this.byWire.get(wireName);
  }

  /** The tools whose name starts with `prefix.` (the tools of one MCP server). */
  withPrefix(prefix: string): RegisteredTool[] {
    return this.all().filter((tool) => tool.name.startsWith(`${prefix}.`));
  }

  all(): RegisteredTool[] {
    return [...this.tools.values()];
  }

  private assertUnique(name: string, wireName: string, source: string): void {
    const existing = this.tools.get(name) ?? this.byWire.get(wireName);
    if (existing || this.unavailable.has(name)) {
      throw new Error(
        `Two tools share the name "${name}"${wireName !== name ? ` (model-facing "${wireName}")` : ''}: ${existing?.source ?? 'a disabled tool'} and ${source}`,
      );
    }
  }
}
