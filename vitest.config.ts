// Test projects: the same server suite on SQLite and on MariaDB, plus the browser suite.
import { defineConfig } from 'vitest/config'

const serverTests = ['server/**/*.test.ts', 'migrations/**/*.test.ts']

export default defineConfig({
  test: {
    projects: [
      {
        test: { name: 'sqlite', include: serverTests, env: { TEST_DB: 'sqlite' }, testTimeout: 20_000, hookTimeout: 30_000 },
      },
      {
        test: {
          name: 'mysql',
          include: serverTests,
          env: { TEST_DB: 'mysql' },
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['e2e/**/*.e2e.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
})
