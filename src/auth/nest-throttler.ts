import { createRequire } from 'node:module';
// Evaluated before this module's body, so the require below finds them already loaded.
import '@nestjs/common';
import '@nestjs/core';

/**
 * @nestjs/throttler, loaded with require(). It is CommonJS and requires the ESM-only
 * @nestjs/common: a static `import` of it makes Jest's ESM loader run it while the
 * graph is still linking, before @nestjs/common has been evaluated (a require cycle).
 * Required from here, after @nestjs/common has run, it gets the same module instances.
 * Types still come from the package.
 */
export const nestThrottler = createRequire(import.meta.url)(
  '@nestjs/throttler',
) as typeof import('@nestjs/throttler');
