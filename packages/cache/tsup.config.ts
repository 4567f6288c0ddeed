import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'stores/memory': 'src/stores/memory.ts',
    'stores/redis': 'src/stores/redis-entry.ts',
    'frameworks/express': 'src/frameworks/express.ts',
    'frameworks/hono': 'src/frameworks/hono.ts',
    'frameworks/fastify': 'src/frameworks/fastify.ts',
    'test-suite': 'src/test-suite.ts',
  },
  format: ['esm', 'cjs'],
  // The shared internals are inlined, code and types, so the tarball depends on nothing unpublished.
  dts: { resolve: ['@kit/internal'] },
  noExternal: ['@kit/internal'],
  clean: true,
  sourcemap: true,
  target: 'node20',
  // Peers stay external so importing the core never loads them.
  external: ['ioredis', 'express', 'hono', 'fastify'],
  splitting: true,
  treeshake: true,
});
