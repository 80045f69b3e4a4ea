import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'example-service',
    include: ['test/**/*.test.ts'],
    // Real redis-server processes are killed and restarted; a deadline per test, never a sleep.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
