import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

const webSetup = fileURLToPath(new URL('./web/src/test/setup.ts', import.meta.url));

export default defineConfig({
  test: {
    // Two cores: at most two forks across both projects.
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: 'node',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'e2e/**/*.e2e.test.ts'],
          // PGlite instances are heavy; two cores run two forks comfortably.
          pool: 'forks',
          maxWorkers: 2,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Component tests of the web console: jsdom, the real components, only fetch stubbed.
        plugins: [react()],
        test: {
          name: 'web',
          include: ['web/src/**/*.test.tsx', 'web/src/**/*.test.ts'],
          environment: 'jsdom',
          setupFiles: [webSetup],
          pool: 'forks',
          maxWorkers: 2,
          // Typing into antd forms in jsdom is slow on a busy two-core machine.
          testTimeout: 60_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
});
