import { defineConfig } from 'vitest/config';

// One root config so that `pnpm test` prints one summary with the total test count.
export default defineConfig({
  test: {
    projects: ['packages/*', 'examples/*', 'grafana', 'bench', 'packaging'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
