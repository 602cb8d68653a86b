import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts'],
          globalSetup: ['test/setup/temp-root.ts'],
          // Some unit tests run the real ONNX model (gradients checked by finite differences):
          // about 2.5 s on an idle 2-core machine, 6.5-7.5 s on a busy one.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/setup/temp-root.ts', 'test/setup/servers.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
