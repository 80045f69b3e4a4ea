import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'core',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Real servers are started, killed and restarted; a deadline per test, never a sleep.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
