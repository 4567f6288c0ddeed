import { fileURLToPath } from 'node:url';
import { registerProcessSuite } from '@kit/example-api-suite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The app as `pnpm start` runs it, in child processes: shutdown on SIGTERM, and pnpm worker.
registerProcessSuite(
  { name: 'hono', serverEntry: fileURLToPath(new URL('../src/server.ts', import.meta.url)) },
  { describe, it, expect, beforeAll, afterAll },
);
