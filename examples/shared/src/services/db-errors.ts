/** PostgreSQL's unique_violation, from either driver (drizzle wraps it in `cause`). */
export function uniqueViolation(error: unknown): string | null {
  for (
    let current = error as { code?: unknown; constraint?: unknown; cause?: unknown } | undefined;
    current;
    current = current.cause as typeof current
  ) {
    if (current.code === '23505')
      return typeof current.constraint === 'string' ? current.constraint : '';
  }
  return null;
}
