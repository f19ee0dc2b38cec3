import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import nunjucks from 'nunjucks';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { ConfigurationError, type ConfigProblem } from '../configuration/configuration.error.js';
import { TEMPLATE_FILTERS } from './template-filters.js';
import { templatesConfig, type TemplatesConfig } from './templates.config.js';
import { TemplatesError, TemplatesErrorCode } from './templates.error.js';

/** What OLs get as `ctx.templates`. */
export interface TemplateRenderer {
  /**
   * Renders a template file with these variables. Variables are data: text in them (a
   * user's `{{ 7*7 }}`) is output verbatim, never evaluated.
   */
  render(name: string, vars?: Record<string, unknown>): string;
  has(name: string): boolean;
}

const TEMPLATE_FILE = /\.njk$/;

/**
 * Prompt templates on nunjucks (C11): files under `templates.dir` and the folders OLs
 * register. No autoescaping (prompts are not HTML), undefined variables are errors, and
 * every template is compiled at boot so a syntax error stops the start naming file and line.
 * User text is only ever passed as a variable: nothing here compiles a string from a request.
 */
@Injectable()
export class TemplatesService implements TemplateRenderer, OnModuleInit {
  private readonly logger = new Logger('Templates');
  private readonly folders: string[];
  private env!: nunjucks.Environment;

  constructor(@Inject(templatesConfig.KEY) config: TemplatesConfig) {
    this.folders = [resolve(config.dir)];
    this.rebuild();
  }

  onModuleInit(): void {
    if (!existsSync(this.folders[0]))
      this.logger.warn(`templates folder ${this.folders[0]} does not exist`);
    this.compileAll();
  }

  /**
   * Adds an OL's own template folder, after the operator's (which can override its files).
   * Call it from a constructor or `onModuleInit`; its templates are compiled at once.
   */
  addFolder(dir: string): void {
    const folder = resolve(dir);
    if (this.folders.includes(folder)) return;
    this.folders.push(folder);
    this.rebuild();
    this.compileAll();
  }

  has(name: string): boolean {
    return this.folders.some((folder) => existsSync(join(folder, name)));
  }

  /** Where templates are looked for, in order, as an operator reads paths. */
  searchPath(): string[] {
    return this.folders.map(displayPath);
  }

  /**
   * Renders once without logging, to catch at boot what would fail every request (an
   * undefined variable, a failing filter): the reason with file and line, or undefined.
   */
  tryRender(name: string, vars: Record<string, unknown>): string | undefined {
    try {
      this.env.getTemplate(name).render(vars);
      return undefined;
    } catch (error) {
      return this.locate(error);
    }
  }

  render(name: string, vars: Record<string, unknown> = {}): string {
    let template: nunjucks.Template;
    try {
      template = this.env.getTemplate(name);
    } catch (error) {
      throw new TemplatesError(
        TemplatesErrorCode.NOT_FOUND,
        `Prompt template '${name}' was not found`,
        null,
        {
          cause: error,
        },
      );
    }
    try {
      return template.render(vars);
    } catch (error) {
      // The details (file, line, variable) are for the operator's log, not the client.
      this.logger.error(`template ${name} failed to render: ${this.locate(error)}`);
      throw new TemplatesError(
        TemplatesErrorCode.RENDER_FAILED,
        `Prompt template '${name}' failed to render`,
        null,
        {
          cause: error,
        },
      );
    }
  }

  private rebuild(): void {
    this.env = new nunjucks.Environment(
      new nunjucks.FileSystemLoader(this.folders, { noCache: false }),
      {
        autoescape: false,
        throwOnUndefined: true,
        trimBlocks: true,
        lstripBlocks: true,
      },
    );
    for (const [name, filter] of Object.entries(TEMPLATE_FILTERS)) {
      this.env.addFilter(name, filter as (...args: unknown[]) => unknown);
    }
  }

  /**
   * Compiles every template of every folder; throws one ConfigurationError (printed without
   * a stack at boot) listing each broken file with its line.
   */
  private compileAll(): void {
    const problems: ConfigProblem[] = [];
    for (const folder of this.folders) {
      for (const name of templateFiles(folder)) {
        try {
          this.env.getTemplate(name, true);
        } catch (error) {
          const { where, reason } = this.split(error, join(folder, name));
          problems.push({
            source: where ?? displayPath(join(folder, name)),
            path: '',
            message: reason,
          });
        }
      }
    }
    if (problems.length) throw new ConfigurationError(problems);
  }

  /** nunjucks says `(path) [Line 3, Column 10]\n  unexpected token`; we say `path:3:10: unexpected token`. */
  private locate(error: unknown, file?: string): string {
    const { where, reason } = this.split(error, file);
    return where ? `${where}: ${reason}` : reason;
  }

  private split(error: unknown, file?: string): { where?: string; reason: string } {
    const message = error instanceof Error ? error.message : String(error);
    const match = /^\((.*?)\)(?: \[Line (\d+)(?:, Column (\d+))?\])?\s*\n?\s*([\s\S]*)$/.exec(
      message,
    );
    if (!match) return { where: file && displayPath(file), reason: message };
    const [, path, line, column, reason] = match;
    const where = [displayPath(path === 'unknown path' && file ? file : path), line, column]
      .filter(Boolean)
      .join(':');
    return { where, reason: reason.trim() };
  }
}

/** Template names (paths relative to the folder, `/`-separated) of a folder, recursively. */
function templateFiles(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return (
    readdirSync(folder, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[]
  )
    .filter((entry) => entry.isFile() && TEMPLATE_FILE.test(entry.name))
    .map((entry) => relative(folder, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}
