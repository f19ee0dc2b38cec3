import { describe, expect, it } from '@jest/globals';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envNameOf, lookupSecret } from './secret-source.js';

function secretsDir(files: Record<string, string> = {}, mode = 0o600): string {
  const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
  for (const [name, value] of Object.entries(files)) {
    writeFileSync(join(dir, name), value);
    chmodSync(join(dir, name), mode);
  }
  return dir;
}

describe('lookupSecret', () => {
  it('names the env variable after the secret', () => {
    expect(envNameOf('openai_api_key')).toBe('OPENAI_API_KEY');
    expect(envNameOf('my.db-pass')).toBe('MY_DB_PASS');
  });

  it('takes the file in the secrets directory before anything else, trailing newlines trimmed', () => {
    const dir = secretsDir({ db_pass: 'from-file\n' });
    const named = join(secretsDir({ other: 'from-named-file' }), 'other');
    const found = lookupSecret('db_pass', dir, { DB_PASS: 'from-env', DB_PASS_FILE: named });
    expect(found).toEqual({
      value: 'from-file',
      tried: [join(dir, 'db_pass')],
      from: 'file',
      looseMode: undefined,
    });
    expect(lookupSecret('db_pass', secretsDir({ db_pass: 'crlf\r\n' }), {}).value).toBe('crlf');
  });

  it('reads the file named by <NAME>_FILE next, before the variable itself', () => {
    const named = join(secretsDir({ elsewhere: 'from-named-file\n' }), 'elsewhere');
    const found = lookupSecret('db_pass', secretsDir(), {
      DB_PASS: 'from-env',
      DB_PASS_FILE: named,
    });
    expect(found).toMatchObject({ value: 'from-named-file', from: 'file-env' });
    expect(found.tried[0]).toBe(`${named} (named by $DB_PASS_FILE)`);
  });

  it('falls back to the environment variable', () => {
    expect(lookupSecret('db_pass', secretsDir(), { DB_PASS: 'from-env' })).toEqual({
      value: 'from-env',
      tried: ['env DB_PASS'],
      from: 'env',
    });
  });

  it('names every place tried when the secret is nowhere', () => {
    const dir = secretsDir();
    expect(lookupSecret('db_pass', dir, { DB_PASS: '' })).toEqual({
      tried: [`file ${join(dir, 'db_pass')}`, 'env DB_PASS_FILE', 'env DB_PASS'],
    });
  });

  it('refuses a file that is there but unusable instead of looking further', () => {
    const dir = secretsDir({ empty: '\n' });
    mkdirSync(join(dir, 'folder'));
    expect(lookupSecret('empty', dir, { EMPTY: 'from-env' })).toEqual({
      tried: [join(dir, 'empty')],
      error: `file ${join(dir, 'empty')} is empty`,
    });
    expect(lookupSecret('folder', dir, { FOLDER: 'x' }).error).toBe(
      `file ${join(dir, 'folder')} is not a regular file`,
    );
    expect(lookupSecret('gone', dir, { GONE_FILE: '/nonexistent/gone', GONE: 'x' }).error).toBe(
      'file /nonexistent/gone (named by $GONE_FILE) does not exist',
    );
  });

  it('refuses a name that could leave the secrets directory', () => {
    expect(lookupSecret('../etc/passwd', secretsDir(), {}).error).toMatch(
      /not a valid secret name/,
    );
  });

  (process.platform === 'win32' ? it.skip : it)(
    'reports a file readable by group or others',
    () => {
      expect(lookupSecret('k', secretsDir({ k: 'value' }, 0o644), {}).looseMode).toBe('644');
      expect(lookupSecret('k', secretsDir({ k: 'value' }, 0o640), {}).looseMode).toBe('640');
      expect(lookupSecret('k', secretsDir({ k: 'value' }, 0o600), {}).looseMode).toBeUndefined();
      expect(lookupSecret('k', secretsDir({ k: 'value' }, 0o400), {}).looseMode).toBeUndefined();
    },
  );
});
