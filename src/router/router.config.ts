import { Matches } from 'class-validator';
import { defineConfigSection } from '../configuration/config-section.js';

export class RouterConfig {
  /** The `<namespace>` of `urn:<namespace>:<ol-id>:…` this service answers to. */
  @Matches(/^[a-z0-9][a-z0-9-]{0,31}$/i, { message: 'a namespace of letters, digits and "-"' })
  namespace: string = 'mvp';
}

export const routerConfig = defineConfigSection('router', RouterConfig);
