import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'

/**
 * Two projects: `worker` runs inside workerd against the real Durable Objects, R2 and a
 * real local libSQL server (started by test/libsql-global-setup.ts); `node` runs the
 * libSQL server's own tests, the agent and the end-to-end tests that start the platform.
 */
export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest(async ({ inject }) => ({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                LIBSQL_URL: inject('libsqlUrl'),
                LIBSQL_AUTH_TOKEN: inject('libsqlToken'),
                BOOTSTRAP_TOKEN: 'test-bootstrap-token',
                LOG_LEVEL: 'warn',
              },
            },
          })),
        ],
        test: {
          name: 'worker',
          include: ['worker/**/*.test.ts', 'schema/**/*.test.ts'],
          // cloudevents requires uuid, whose default export condition is an ES module.
          alias: { uuid: new URL('./node_modules/uuid/dist/index.js', import.meta.url).pathname },
          globalSetup: ['./test/libsql-global-setup.ts'],
          // Runs and schedules go through several round trips; a loaded CI machine is slow.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'node',
          include: ['local/**/*.test.ts', 'agent/**/*.test.ts', 'cli/**/*.test.ts', 'test/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['./test/console-global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
})
