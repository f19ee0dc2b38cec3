import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { ConfigurationError } from '../configuration/configuration.error.js';
import { LoadedConfiguration } from '../configuration/load-configuration.js';
import { SecretsService } from '../secrets/secrets.service.js';
import { KeyValueStore } from '../storage/key-value.store.js';
import { AnthropicConnector } from './anthropic/anthropic.connector.js';
import { ThinkingTurns } from './anthropic/thinking-turns.js';
import type { Connector, ConnectorProvider } from './connector.js';
import { ConnectorError, ConnectorErrorCode } from './connector.error.js';
import { connectorsConfig, type ConnectorConfig } from './connectors.config.js';
import { OllamaConnector } from './ollama/ollama.connector.js';
import { OpenAiConnector } from './openai/openai.connector.js';
import { UpstreamHttp } from './upstream-http.js';

/** One adapter per `connectors:` entry, built at boot; OLs pick them by name. */
@Injectable()
export class ConnectorRegistry implements ConnectorProvider, OnModuleDestroy {
  private readonly connectors = new Map<string, Connector>();
  private readonly pools: UpstreamHttp[] = [];

  constructor(
    @Inject(connectorsConfig.KEY) configs: ConnectorConfig[],
    secrets: SecretsService,
    loaded: LoadedConfiguration,
    store: KeyValueStore,
  ) {
    checkUniqueNames(configs, loaded);
    for (const config of configs) {
      // The key is revealed only here, into the adapter that sends it upstream.
      const apiKey = config.apiKey ? secrets.get(config.apiKey).reveal() : undefined;
      const http = new UpstreamHttp({
        timeoutMs: config.timeoutMs,
        maxConnections: config.maxConnections,
        maxRetries: config.maxRetries,
      });
      this.pools.push(http);
      const logger = new Logger(`Connector:${config.name}`);
      this.connectors.set(config.name, build(config, apiKey, http, logger, store));
    }
  }

  get(name: string): Connector {
    const connector = this.connectors.get(name);
    if (!connector) {
      const known = this.names();
      throw new ConnectorError(
        ConnectorErrorCode.UNKNOWN_CONNECTOR,
        `No connector named '${name}' is configured (${known.length ? `configured: ${known.join(', ')}` : 'none is configured'})`,
        { param: 'model' },
      );
    }
    return connector;
  }

  names(): string[] {
    return [...this.connectors.keys()];
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.pools.map((pool) => pool.close()));
  }
}

function build(
  config: ConnectorConfig,
  apiKey: string | undefined,
  http: UpstreamHttp,
  logger: Logger,
  store: KeyValueStore,
): Connector {
  switch (config.provider) {
    case 'openai':
      return new OpenAiConnector(config, apiKey, http, logger);
    case 'anthropic':
      return new AnthropicConnector(
        config,
        apiKey,
        http,
        logger,
        new ThinkingTurns(store, config.name, logger),
      );
    case 'ollama':
      return new OllamaConnector(config, apiKey, http);
  }
}

/** Names are how URNs pick a connector: two entries with one name would make one unreachable. */
function checkUniqueNames(configs: ConnectorConfig[], loaded: LoadedConfiguration): void {
  const first = new Map<string, number>();
  const problems = configs.flatMap((config, i) => {
    const seen = first.get(config.name);
    if (seen === undefined) {
      first.set(config.name, i);
      return [];
    }
    const path = `connectors[${i}].name`;
    return [
      {
        source: loaded.sourceOf(path),
        path,
        message: `duplicate connector name (connectors[${seen}] has it too)`,
      },
    ];
  });
  if (problems.length) throw new ConfigurationError(problems);
}
