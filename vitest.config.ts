import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Every WebGPU dispatch of the suite counts its loop iterations on the device and fails when
    // it runs more than it declares (the loop rule, src/backends/webgpu/loops.ts).
    env: { LINAGRAD_WEBGPU_CHECK_LOOPS: process.env.LINAGRAD_WEBGPU_CHECK_LOOPS ?? '1' },
  },
});
