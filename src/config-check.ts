/**
 * `npm run config:check [-- <file.yaml>] [--no-secrets]`: checks a configuration without
 * starting the service. Exit code 1 with the list of problems when it would not boot.
 */
import 'reflect-metadata';
// The app's module graph declares every component's configuration section.
import './app.module.js';
import { checkConfiguration } from './configuration/config-check.js';

const result = checkConfiguration(process.argv.slice(2), process.env);
process.stdout.write(result.stdout);
process.stderr.write(result.stderr);
process.exitCode = result.code;
