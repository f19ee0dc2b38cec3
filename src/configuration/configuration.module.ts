import { Global, Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_ENV } from './app-env.js';
import type { ConfigSourceOptions } from './config-layers.js';
import { LoadedConfiguration, loadConfiguration } from './load-configuration.js';

/**
 * Owns loading, merging and validating the YAML configuration (C7). Components declare
 * their own sections with `defineConfigSection` and inject them by `section.KEY`; the
 * whole validated tree is also readable through @nestjs/config's `ConfigService`.
 */
@Global()
@Module({})
export class ConfigurationModule {
  static forRoot(options: ConfigSourceOptions = {}): DynamicModule {
    // Loaded lazily, once per app: the section registry is complete only after every
    // import has run, and each app instance (tests boot several) gets its own load.
    let loaded: LoadedConfiguration | undefined;
    const load = (): LoadedConfiguration => (loaded ??= loadConfiguration(options));
    return {
      module: ConfigurationModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          skipProcessEnv: true,
          load: [() => load().config],
        }),
      ],
      providers: [
        { provide: LoadedConfiguration, useFactory: load },
        { provide: APP_ENV, useValue: options.env ?? process.env },
      ],
      exports: [LoadedConfiguration, APP_ENV],
    };
  }
}
