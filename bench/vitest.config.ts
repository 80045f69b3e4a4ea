import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'bench',
    include: ['test/**/*.test.ts'],
    // A --quick run: a few seconds of outage and short rounds, plus the TypeScript build.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
