/** One `Set-Cookie` of a response, taken apart. */
export interface SetCookie {
  name: string;
  value: string;
  /** Attribute names lower-cased (`httponly`, `samesite`, `max-age`, ...) → value (`''` for flags). */
  attributes: Record<string, string>;
}

/** The `Set-Cookie` of `name` in a response, or `undefined` when the response sets none. */
export function setCookie(res: { headers: Headers }, name: string): SetCookie | undefined {
  for (const line of res.headers.getSetCookie()) {
    const [pair = '', ...rest] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq === -1 || pair.slice(0, eq).trim() !== name) continue;
    const attributes: Record<string, string> = {};
    for (const part of rest) {
      const at = part.indexOf('=');
      const key = (at === -1 ? part : part.slice(0, at)).trim().toLowerCase();
      attributes[key] = at === -1 ? '' : part.slice(at + 1).trim();
    }
    return { name, value: pair.slice(eq + 1).trim(), attributes };
  }
  return undefined;
}
