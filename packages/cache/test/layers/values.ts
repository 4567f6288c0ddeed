/**
 * The values the layer tests store: `<epoch ms it expires>|<text>`, so `lifetimeOf` can read
 * how long a copy may live, as the engine reads its own envelope. No test runner imported:
 * the forked instance uses it too.
 */
export const valueUntil = (text: string, lifetimeMs = 60_000) =>
  `${Date.now() + lifetimeMs}|${text}`;
export const lifetimeOf = (value: string) =>
  Number(value.slice(0, value.indexOf('|'))) - Date.now();
export const textOf = (value: string | undefined) => value?.slice(value.indexOf('|') + 1);
