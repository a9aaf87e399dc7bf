import { defineConfig } from 'vitest/config';
import * as path from 'path';

// Tests import the library by its package name, exactly as users do; here the name resolves to the
// TypeScript source so that `npm test` needs no build step.
export default defineConfig({
  resolve: { alias: { saplab: path.resolve(__dirname, 'lib/index.ts') } },
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    setupFiles: ['test/setup.ts'],
  },
});
