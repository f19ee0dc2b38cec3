/**
 * The provider-neutral chat vocabulary shared by OLs, connectors and the protocol layer.
 * It is OpenAI's chat-completions shape (the lingua franca every client speaks); adapters
 * translate it to and from their provider's wire format.
 */

export type Role = 'system' | 'developer' | 'user' | 'assistant' | 'tool';

export interface TextPart {
  type: 'text';
  text: string;
}

export interface ImagePart {
  type: 'image_url';
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' };
}

export interface AudioPart {
  type: 'input_audio';
  input_audio: { data: string; format: string };
}

export interface FilePart {
  type: 'file';
  file: { file_data?: string; file_id?: string; filename?: string };
}

export interface RefusalPart {
  type: 'refusal';
  refusal: string;
}

export type ContentPart = TextPart | ImagePart | AudioPart | FilePart | RefusalPart;

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatMessage {
  role: Role;
  content?: string | ContentPart[] | null;
  name?: string;
  /** Assistant turns that asked for tools. */
  tool_calls?: ToolCall[];
  /** Tool turns: which call this message answers. */
  tool_call_id?: string;
  refusal?: string | null;
}

export interface FunctionTool {
  type: 'function';
  function: {
    name: string;
    description?: string;
    /** JSON Schema of the arguments object. */
    parameters?: Record<string, unknown>;
    strict?: boolean | null;
  };
}

export type ToolChoice =
  'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: {
        name: string;
        description?: string;
        schema?: Record<string, unknown>;
        strict?: boolean | null;
      };
    };

/** Everything an OL or a connector may look at in a chat request. */
export interface ChatRequest {
  messages: ChatMessage[];
  tools?: FunctionTool[];
  tool_choice?: ToolChoice;
  parallel_tool_calls?: boolean;
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  stop?: string | string[];
  seed?: number;
  response_format?: ResponseFormat;
  logit_bias?: Record<string, number>;
  reasoning_effort?: string;
  /** Ask for each answer token's log probability (and the `top_logprobs` likeliest alternatives). */
  logprobs?: boolean;
  top_logprobs?: number;
  /** OpenAI's end-user id, normalised to a string (Open WebUI may send an object). */
  user?: string;
  /** OpenAI's successors of `user`: a stable end-user id for abuse detection, a cache bucket. */
  safety_identifier?: string;
  prompt_cache_key?: string;
  /** How long an answer should be (OpenAI's GPT-5 models). */
  verbosity?: 'low' | 'medium' | 'high';
  /** OpenAI's processing tier (`auto`, `default`, `flex`, `priority`…). */
  service_tier?: ServiceTier;
}

export const SERVICE_TIERS = ['auto', 'default', 'flex', 'scale', 'priority', 'fast'] as const;
export type ServiceTier = (typeof SERVICE_TIERS)[number];

/** One answer token's log probability, in OpenAI's shape, with the likeliest alternatives. */
export interface TokenLogprob {
  token: string;
  logprob: number;
  bytes: number[] | null;
  top_logprobs: { token: string; logprob: number; bytes: number[] | null }[];
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number };
}

/**
 * One step of a streamed answer. OLs yield these and connectors produce them, so a
 * passthrough OL forwards a connector's stream untouched.
 */
export type ChatEvent =
  | {
      type: 'text';
      text: string;
      /**
       * The tokens of `text`, when the request asked for `logprobs` and the upstream has them.
       * An OL that changes the text must drop them; text of its own has none.
       */
      logprobs?: TokenLogprob[];
    }
  | {
      type: 'tool_call';
      /** Position of the call in the assistant turn; fragments of one call share it. */
      index: number;
      id?: string;
      name?: string;
      /** A fragment of the JSON arguments; fragments concatenate. */
      arguments?: string;
    }
  | { type: 'usage'; usage: Usage }
  | { type: 'finish'; reason: FinishReason };
