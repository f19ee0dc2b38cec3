import { Inject, type OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { ConfigurationError } from '../../configuration/configuration.error.js';
import { LoadedConfiguration } from '../../configuration/load-configuration.js';
import { TemplatesService } from '../../templates/templates.service.js';
import {
  addToolCallFragment,
  OrchestrationError,
  OrchestrationErrorCode,
  OrchestrationLogic,
  type ChatEvent,
  type ChatMessage,
  type ChatRequest,
  type FinishReason,
  type ModelCatalogContext,
  type ModelVariant,
  type OrchestrationContext,
  type OrchestrationLogicHandler,
  type ToolCall,
  type Toolset,
} from '../orchestration-logic.js';
import { agentConfig, type AgentConfig } from './agent.config.js';
import { AgentParams } from './agent.params.js';

/** What one model call produced, once its stream has ended. */
interface StepResult {
  text: string;
  calls: ToolCall[];
  finish?: FinishReason;
}

/**
 * A tool-using agent run server-side: the model gets the toolset the URN names, the
 * agent executes the calls it asks for (in parallel), feeds the results back and loops
 * until a final answer or `max_steps` model calls. The answer streams as the model writes
 * it; with `progress=content`, short "> calling …" lines show tool use in the same stream.
 *
 * Tools the client sends (`tools` in the request) are offered too; when the model calls
 * one of them, the loop stops and those calls go back to the client (finish_reason
 * `tool_calls`), server-side calls of that same turn are dropped: the client's next request
 * carries only its own calls, and the model asks again for what it still needs.
 */
@OrchestrationLogic({ id: 'agent', params: AgentParams })
export class AgentLogic implements OrchestrationLogicHandler<AgentParams>, OnModuleInit {
  constructor(
    @Inject(agentConfig.KEY) private readonly config: AgentConfig,
    private readonly templates: TemplatesService,
    private readonly loaded: LoadedConfiguration,
  ) {}

  /** One URN per configured connector, with the default toolsets. */
  models({ connectors }: ModelCatalogContext): ModelVariant[] {
    return connectors.names().map((connector) => ({ params: { connector } }));
  }

  /**
   * A missing or failing system prompt would fail every request: refuse to boot instead,
   * naming the key, where it was set and the template's file and line.
   */
  onModuleInit(): void {
    const name = this.config.systemTemplate;
    const path = 'ols.agent.systemTemplate';
    const problem = (message: string): ConfigurationError =>
      new ConfigurationError([{ source: this.loaded.sourceOf(path), path, message }]);
    if (!this.templates.has(name)) {
      throw problem(`no template '${name}' in ${this.templates.searchPath().join(', ')}`);
    }
    // Both sides of the template's likely branches: tools and a workspace, or neither.
    const samples = [
      systemVars([], [], null, this.config.maxSteps),
      systemVars(
        [{ name: 'calculator', description: 'Evaluate a math expression.' }],
        ['client_tool'],
        '/srv/workspace',
        this.config.maxSteps,
      ),
    ];
    for (const vars of samples) {
      const failure = this.templates.tryRender(name, vars);
      if (failure) throw problem(`the template '${name}' fails to render: ${failure}`);
    }
  }

  async *run(
    request: ChatRequest,
    ctx: OrchestrationContext<AgentParams>,
  ): AsyncIterable<ChatEvent> {
    const { params } = ctx;
    const maxSteps = params.max_steps ?? this.config.maxSteps;
    if (maxSteps > this.config.maxStepsLimit) {
      throw invalid(
        `Invalid model URN parameter 'max_steps' for 'agent': at most ${this.config.maxStepsLimit} on this server`,
      );
    }
    // Everything that can refuse the request does so before the first event: a plain 4xx.
    const connector = ctx.connectors.get(params.connector);
    let toolset = ctx.tools.select(
      params.toolset ? params.toolset.split(',') : this.config.toolsets,
    );
    if (params.workspace)
      toolset = toolset.inWorkspace(await ctx.tools.openWorkspace(params.workspace));
    const needing = toolset.missingWorkspace();
    if (needing.length) {
      throw invalid(
        `The tools ${needing.join(', ')} work on files: add workspace=<absolute path> to the model URN`,
      );
    }
    const clientTools = request.tools ?? [];
    const clientNames = new Set(clientTools.map((tool) => tool.function.name));
    for (const name of clientNames) {
      if (toolset.has(name))
        throw invalid(
          `The tool '${name}' clashes with a server-side tool of this agent: rename it`,
          'tools',
        );
    }

    const system = ctx.templates.render(
      this.config.systemTemplate,
      systemVars(toolset.describe(), [...clientNames], toolset.workspace?.path ?? null, maxSteps),
    );
    const toolChoice = request.tool_choice;
    const base: ChatRequest = { ...request };
    delete base.tools;
    delete base.tool_choice;
    const tools = [...toolset.definitions(), ...clientTools];
    const messages: ChatMessage[] = [{ role: 'system', content: system }, ...request.messages];
    // Progress lines are for people watching a stream; a one-piece answer does without.
    const progress = ctx.stream && (params.progress ?? this.config.progress) === 'content';
    const out = new TextTail();

    for (let step = 1; ; step++) {
      ctx.signal.throwIfAborted();
      const call: ChatRequest = { ...base, messages: [...messages] };
      if (tools.length) {
        call.tools = tools;
        // A forced choice applies to the first call only: forcing it again would never end.
        if (toolChoice !== undefined && step === 1) call.tool_choice = toolChoice;
      }
      const result: StepResult = { text: '', calls: [] };
      for await (const event of connector.chat(call, { signal: ctx.signal, model: params.model })) {
        if (event.type === 'text') {
          result.text += event.text;
          out.add(event.text);
          yield event;
        } else if (event.type === 'tool_call') {
          addToolCallFragment(result.calls, event);
        } else if (event.type === 'finish') {
          result.finish = event.reason;
        } else {
          yield event; // usage: each step's, the protocol layer sums them
        }
      }
      const calls = result.calls.filter(Boolean).map(withId);
      if (!calls.length) {
        yield {
          type: 'finish',
          reason: result.finish === 'tool_calls' || !result.finish ? 'stop' : result.finish,
        };
        return;
      }

      const forClient = calls.filter((c) => clientNames.has(c.function.name));
      if (forClient.length) {
        yield* clientCalls(forClient);
        return;
      }
      if (step >= maxSteps) {
        const note = `${out.separator()}_Stopped after ${maxSteps} step${maxSteps === 1 ? '' : 's'} (max_steps) before a final answer. Ask me to continue, or allow more steps with max_steps=N in the model URN._`;
        yield { type: 'text', text: note };
        yield { type: 'finish', reason: 'stop' };
        return;
      }

      if (progress) {
        const line = `${out.separator()}> calling ${describeCalls(calls, toolset)}…\n\n`;
        out.add(line);
        yield { type: 'text', text: line };
      }
      messages.push({ role: 'assistant', content: result.text || null, tool_calls: calls });
      messages.push(...(await Promise.all(calls.map((c) => toolset.execute(c)))));
    }
  }
}

/** The variables of the system prompt template (documented at the top of agent-system.njk). */
function systemVars(
  tools: Array<{ name: string; description: string }>,
  clientTools: string[],
  workspace: string | null,
  maxSteps: number,
): Record<string, unknown> {
  return {
    tools,
    client_tools: clientTools,
    workspace,
    max_steps: maxSteps,
    today: new Date().toISOString().slice(0, 10),
  };
}

function invalid(message: string, param = 'model'): OrchestrationError {
  return new OrchestrationError(OrchestrationErrorCode.INVALID_REQUEST, message, param);
}

/** Some OpenAI-compatible servers omit ids; results are matched to calls by id. */
function withId(call: ToolCall): ToolCall {
  return call.id ? call : { ...call, id: `call_${randomBytes(12).toString('base64url')}` };
}

function* clientCalls(calls: ToolCall[]): Iterable<ChatEvent> {
  for (const [index, call] of calls.entries()) {
    yield {
      type: 'tool_call',
      index,
      id: call.id,
      name: call.function.name,
      arguments: call.function.arguments,
    };
  }
  yield { type: 'finish', reason: 'tool_calls' };
}

/** `calculator`, `calculator ×2, read_file`: what the progress line says. */
function describeCalls(calls: ToolCall[], toolset: Toolset): string {
  const counts = new Map<string, number>();
  for (const call of calls) {
    const name = toolset.has(call.function.name)
      ? call.function.name
      : `${call.function.name} (unknown)`;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].map(([name, n]) => (n > 1 ? `${name} ×${n}` : name)).join(', ');
}

/** Remembers how the streamed text ends, so progress lines start on a fresh paragraph. */
class TextTail {
  private tail = '';

  add(text: string): void {
    this.tail = (this.tail + text).slice(-2);
  }

  separator(): string {
    if (this.tail === '' || this.tail === '\n\n') return '';
    return this.tail.endsWith('\n') ? '\n' : '\n\n';
  }
}
