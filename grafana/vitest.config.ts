import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'grafana', include: ['test/**/*.test.ts'] },
});
