import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '../configuration/configuration.error.js';
import { TemplatesConfig } from './templates.config.js';
import { TemplatesError, TemplatesErrorCode } from './templates.error.js';
import { TemplatesService } from './templates.service.js';

describe('TemplatesService', () => {
  let base: string;
  const folder = (name: string, files: Record<string, string>): string => {
    const dir = join(base, name);
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(join(dir, file, '..'), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
    return dir;
  };
  const service = (dir: string): TemplatesService => {
    const config = Object.assign(new TemplatesConfig(), { dir });
    const templates = new TemplatesService(config);
    templates.onModuleInit();
    return templates;
  };

  beforeAll(() => {
    Logger.overrideLogger(false);
    base = mkdtempSync(join(tmpdir(), 'templates-'));
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('renders without HTML escaping, with block whitespace trimmed', () => {
    const templates = service(
      folder('plain', {
        'hello.njk': '{% if name %}\nHello <{{ name }}> & "friends"\n{% endif %}\n',
        'sub/inner.njk': 'inner {{ x }}',
      }),
    );
    expect(templates.render('hello.njk', { name: 'Ada' })).toBe('Hello <Ada> & "friends"\n');
    expect(templates.render('sub/inner.njk', { x: 1 })).toBe('inner 1');
    expect(templates.has('hello.njk')).toBe(true);
    expect(templates.has('nope.njk')).toBe(false);
  });

  it('outputs template syntax inside variables verbatim: user text is never compiled', () => {
    const templates = service(
      folder('inject', { 'wrap.njk': 'User said: {{ message }}', 'secret.njk': 'TOP SECRET' }),
    );
    const attacks = [
      '{{ 7*7 }}',
      '{% include "secret.njk" %}',
      '{{ range(10) | join(",") }}',
      '{% for i in range(3) %}x{% endfor %}',
      '{{ "".constructor.constructor("return process")() }}',
      '{# comment #}',
    ];
    for (const attack of attacks) {
      expect(templates.render('wrap.njk', { message: attack })).toBe(`User said: ${attack}`);
    }
  });

  it('treats an undefined variable as an error, reported without details to the caller', () => {
    const templates = service(folder('undef', { 'needs.njk': 'Hi {{ who }}' }));
    const error = (() => {
      try {
        templates.render('needs.njk', {});
      } catch (e) {
        return e;
      }
    })() as TemplatesError;
    expect(error).toBeInstanceOf(TemplatesError);
    expect(error.code).toBe(TemplatesErrorCode.RENDER_FAILED);
    expect(error.message).toBe("Prompt template 'needs.njk' failed to render");
    expect(() => templates.render('missing.njk')).toThrow(
      expect.objectContaining({ code: TemplatesErrorCode.NOT_FOUND }),
    );
  });

  it('offers the json and truncate_tokens filters', () => {
    const templates = service(
      folder('filters', {
        'json.njk': '{{ data | json }}|{{ data | json(1) }}',
        'cut.njk':
          '{{ text | truncate_tokens(3) }}|{{ text | truncate_tokens(3, " [cut]") }}|{{ "short" | truncate_tokens(10) }}',
      }),
    );
    expect(templates.render('json.njk', { data: { a: [1, 'x'] } })).toBe(
      '{"a":[1,"x"]}|{\n "a": [\n  1,\n  "x"\n ]\n}',
    );
    expect(templates.render('cut.njk', { text: 'one two three four five six' })).toBe(
      'one two three…|one two three [cut]|short',
    );
  });

  it('stops the boot on a broken template, naming every bad file with its line', () => {
    const dir = folder('broken', {
      'good.njk': 'fine',
      'bad.njk': 'line one\n{% if x %}\n  {{ 1 + }}\n{% endif %}\n',
      'nested/unclosed.njk': '{% for a in b %}\nno end',
    });
    let error: unknown;
    try {
      service(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    const message = (error as Error).message;
    expect(message).toMatch(/^Invalid configuration \(2 problems\):/);
    expect(message).toMatch(/\n {2}- \S*bad\.njk:3:\d+: unexpected token: }}/);
    expect(message).toMatch(
      /nested\/unclosed\.njk(:\d+)*: .*(unexpected end of file|expected endfor)/i,
    );
    expect(message).not.toMatch(/good\.njk/);
  });

  it('adds OL folders after the operator folder, which overrides them, and compiles them at once', () => {
    const templates = service(folder('operator', { 'shared.njk': 'operator version' }));
    templates.addFolder(folder('ol', { 'shared.njk': 'OL version', 'own.njk': 'OL only' }));
    expect(templates.render('shared.njk')).toBe('operator version');
    expect(templates.render('own.njk')).toBe('OL only');
    expect(() => templates.addFolder(folder('ol-broken', { 'x.njk': '{{ }' }))).toThrow(/x\.njk:1/);
  });

  it('tries a render without logging, for boot-time checks: the reason with file and line', () => {
    const templates = service(folder('try', { 'vars.njk': 'ok\n{{ missing }}' }));
    expect(templates.tryRender('vars.njk', { missing: 1 })).toBeUndefined();
    expect(templates.tryRender('vars.njk', {})).toMatch(/vars\.njk:2:\d+: .*undefined/);
    expect(templates.searchPath()).toEqual([expect.stringMatching(/try$/)]);
  });
});
