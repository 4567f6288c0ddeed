/**
 * Freezes a decoded value and everything it holds, so one object can be handed to every hit
 * (`shareDecoded`) without one caller's mutation reaching another. Iterative: a deeply nested
 * value cannot overflow the stack.
 */
export function deepFreeze<T>(value: T): T {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item !== 'object' || item === null || Object.isFrozen(item)) continue;
    Object.freeze(item);
    for (const key of Object.keys(item)) stack.push((item as Record<string, unknown>)[key]);
  }
  return value;
}
