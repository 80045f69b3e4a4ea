import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'demo',
    include: ['test/**/*.test.ts'],
    // The demo starts its own redis-server and two services; a short run takes well under the deadline.
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
