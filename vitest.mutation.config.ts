import { defineConfig } from 'vitest/config';

/**
 * The tests Stryker runs (`npm run mutate`, stryker.config.json): those that exercise the mutated sources
 * in process. Child-process, browser and load tests are left out; they reach the same code through the
 * built dist/, which Stryker does not mutate, and would add minutes to every mutant.
 */
export default defineConfig({
  test: {
    include: [
      'test/core/**/*.test.ts',
      'test/http/{authorize,bearer-auth,client-auth-limits,code-and-refresh,introspect,revoke,token,duplicate-authorization,token-kinds,error-bodies,revoke-counts,dpop,dpop-introspection,private-key-jwt,par,resource-indicators}.test.ts',
      'test/account/{return-to,units}.test.ts',
      'test/webhooks/{target-policy,own-listeners}.test.ts',
      'test/jwt/bearer-and-code-flow.test.ts',
    ],
    // Mutants in the protocol core behave alike on both backends; SQLite alone halves the run. The full
    // suite (npm test) keeps testing storage on both.
    env: { TEST_BACKENDS: 'sqlite' },
    // One module graph for every file: each mutant re-runs only the tests that cover it, and re-importing
    // Fastify and the storage layer for every file would cost more than the tests themselves.
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
