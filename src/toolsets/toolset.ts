import type { ChatMessage, FunctionTool, ToolCall } from '../common/chat.types.js';
import type { ToolCallScope, ToolExecutor } from '../tools/tool-executor.js';
import type { RegisteredTool } from '../tools/tool-registry.js';
import type { Workspace } from '../tools/workspace.js';

/** Turns names (toolsets, tools, `<server>.*`) into tools; throws a 400-mapped error on unknown names. */
export type ToolResolver = (names: readonly string[]) => RegisteredTool[];

/** The provider-neutral definitions, built once per tool (the hot path only concatenates). */
const definitions = new WeakMap<RegisteredTool, FunctionTool>();

function definitionOf(tool: RegisteredTool): FunctionTool {
  let definition = definitions.get(tool);
  if (!definition) {
    // `$schema` tells ajv the dialect; provider APIs do not want it.
    const parameters = { ...tool.parameters };
    delete parameters.$schema;
    definition = {
      type: 'function',
      function: { name: tool.wireName, description: tool.description, parameters },
    };
    definitions.set(tool, definition);
  }
  return definition;
}

/**
 * The tools offered to one LLM call, and how to run what the model asks of them. Immutable:
 * `with`, `without` and `inWorkspace` return a new toolset.
 */
export class Toolset {
  constructor(
    private readonly tools: readonly RegisteredTool[],
    private readonly resolve: ToolResolver,
    private readonly executor: ToolExecutor,
    private readonly scope: ToolCallScope,
  ) {}

  /** Tool names as toolsets and URNs write them (`calculator`, `docs.search`). */
  get names(): string[] {
    return this.tools.map((tool) => tool.name);
  }

  get size(): number {
    return this.tools.length;
  }

  get workspace(): Workspace | undefined {
    return this.scope.workspace;
  }

  /** Adds tools or toolsets by name. */
  with(...names: string[]): Toolset {
    const added = this.resolve(names).filter((tool) => !this.tools.includes(tool));
    return this.derive([...this.tools, ...added], this.scope);
  }

  /** Removes tools by name (tool, toolset or `<server>.*`); names not in this toolset are ignored. */
  without(...names: string[]): Toolset {
    const removed = new Set(this.resolve(names));
    return this.derive(
      this.tools.filter((tool) => !removed.has(tool)),
      this.scope,
    );
  }

  /** File tools of this toolset work in `workspace`. */
  inWorkspace(workspace: Workspace): Toolset {
    return this.derive(this.tools, { ...this.scope, workspace });
  }

  /** The tools that need a workspace, when none is set: the OL should refuse the request. */
  missingWorkspace(): string[] {
    return this.scope.workspace
      ? []
      : this.tools.filter((tool) => tool.needsWorkspace).map((tool) => tool.name);
  }

  /** Name and description of each tool, e.g. for a system prompt template. */
  describe(): Array<{ name: string; description: string }> {
    return this.tools.map((tool) => ({ name: tool.wireName, description: tool.description }));
  }

  /** For a ChatRequest's `tools`: what connectors translate for their provider. */
  definitions(): FunctionTool[] {
    return this.tools.map(definitionOf);
  }

  /** Whether the model-facing name belongs to this toolset. */
  has(wireName: string): boolean {
    return this.tools.some((tool) => tool.wireName === wireName);
  }

  /**
   * Runs a tool call of the model. Never throws for the call's faults: an unknown tool,
   * bad arguments, a failure or a timeout come back as a tool message with `{"error": …}`.
   */
  execute(call: ToolCall): Promise<ChatMessage> {
    const tool = this.tools.find((t) => t.wireName === call.function.name);
    if (!tool) {
      const offered = this.tools.map((t) => t.wireName).join(', ') || 'none';
      const error = `unknown tool '${call.function.name}' (tools available: ${offered})`;
      return Promise.resolve({
        role: 'tool',
        tool_call_id: call.id,
        content: JSON.stringify({ error }),
      });
    }
    return this.executor.execute(tool, call, this.scope);
  }

  private derive(tools: readonly RegisteredTool[], scope: ToolCallScope): Toolset {
    return new Toolset(tools, this.resolve, this.executor, scope);
  }
}

/** What an OL gets as `ctx.tools`: composes the toolset of each LLM call. */
export interface ToolsetFactory {
  /**
   * The tools named: toolset names from config, tool names, or `<mcp server>.*`. An
   * unknown name is an error the client sees (400), as names usually come from the URN.
   */
  select(names: readonly string[]): Toolset;
  /** Every tool installed. */
  all(): Toolset;
  /** Opens a workspace for file tools; the path must be inside `workspaces.roots` (else 400). */
  openWorkspace(path: string): Promise<Workspace>;
}
