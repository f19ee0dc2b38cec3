import { describe, expect, it } from '@jest/globals';
import type { ConfigSection } from '../configuration/config-section.js';
import { validateTree } from '../configuration/config-validator.js';
import { rateLimitConfig } from './rate-limit.config.js';

const sections = new Map<string, ConfigSection<object>>([[rateLimitConfig.path, rateLimitConfig]]);
const problemsOf = (rateLimit: Record<string, unknown>) =>
  validateTree({ rateLimit }, sections, new Map()).problems.map((p) => `${p.path}: ${p.message}`);

describe('rateLimit token budgets', () => {
  it('accept positive whole numbers of tokens per day and per month, on tiers and OLs', () => {
    expect(
      problemsOf({
        tiers: { free: { requests: 10, tokensPerDay: 10_000, tokensPerMonth: 200_000 } },
        ols: { agent: { requests: 5, tokensPerMonth: 1 } },
      }),
    ).toEqual([]);
  });

  it.each([0, -5, 1.5, '100'])('refuse %p, naming the key', (bad) => {
    expect(
      problemsOf({
        tiers: { free: { requests: 10, tokensPerDay: bad } },
        ols: { agent: { requests: 5, tokensPerMonth: bad } },
      }),
    ).toEqual([
      expect.stringMatching(
        /^rateLimit\.ols\.agent\.tokensPerMonth: expected (an integer|at least 1)/,
      ),
      expect.stringMatching(
        /^rateLimit\.tiers\.free\.tokensPerDay: expected (an integer|at least 1)/,
      ),
    ]);
  });
});
