import type { Logger } from '../../src/index.js';

/** A logger that records calls, pino-style (`obj, msg`). */
export function recordingLogger(): Logger & { warnings: string[]; errors: string[] } {
  const warnings: string[] = [];
  const errors: string[] = [];
  return {
    warnings,
    errors,
    warn: (_obj, msg) => warnings.push(String(msg)),
    error: (_obj, msg) => errors.push(String(msg)),
  };
}
