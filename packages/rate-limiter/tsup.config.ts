import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'stores/memory': 'src/stores/memory.ts',
    'stores/redis': 'src/stores/redis.ts',
    'frameworks/express': 'src/frameworks/express.ts',
    'frameworks/hono': 'src/frameworks/hono.ts',
    'frameworks/fastify': 'src/frameworks/fastify.ts',
    otel: 'src/otel.ts',
    // The public store suite: imports no test runner, so it bundles like any other entry.
    'test-suite': 'src/test-suite/index.ts',
  },
  format: ['esm', 'cjs'],
  // The shared internals are inlined, code and types, so the tarball depends on nothing unpublished.
  dts: { resolve: ['@kit/internal'] },
  noExternal: ['@kit/internal'],
  clean: true,
  sourcemap: true,
  target: 'node20',
  // Peers stay external so importing the core never loads them.
  external: ['ioredis', 'express', 'hono', 'fastify', '@opentelemetry/api'],
  splitting: true,
  treeshake: true,
});
