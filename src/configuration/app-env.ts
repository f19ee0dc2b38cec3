/**
 * The environment the app reads (`process.env` unless a test or an embedder passes its
 * own to `AppModule.forRoot`). Inject this instead of touching `process.env`.
 */
export const APP_ENV = Symbol('APP_ENV');
