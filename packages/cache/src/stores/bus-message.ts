import type { BusMessage } from '../types.js';

/**
 * The wire form of a bus message on the Redis channel, one JSON object:
 * `{"v":1,"from":"<instance id>","keys":[...],"patterns":[...],"tags":[...],"clear":true}`,
 * the lists and `clear` present only when they say something.
 */
interface WireMessage extends BusMessage {
  v: 1;
  from: string;
}

/** The text to publish for `message`, sent by instance `from`. */
export function encodeBusMessage(message: BusMessage, from: string): string {
  const wire: WireMessage = { v: 1, from };
  if (message.keys?.length) wire.keys = message.keys;
  if (message.patterns?.length) wire.patterns = message.patterns;
  if (message.tags?.length) wire.tags = message.tags;
  if (message.clear) wire.clear = true;
  return JSON.stringify(wire);
}

const isStrings = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/**
 * The message in `text`, or `undefined` for this instance's own (`self`) and for anything that
 * is not a message of this version: another app on the channel must not crash the listener.
 */
export function decodeBusMessage(text: string, self: string): BusMessage | undefined {
  let wire: Partial<WireMessage>;
  try {
    wire = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof wire !== 'object' || wire === null || wire.v !== 1 || wire.from === self) {
    return undefined;
  }
  const message: BusMessage = {};
  for (const list of ['keys', 'patterns', 'tags'] as const) {
    const value = wire[list];
    if (value === undefined) continue;
    if (!isStrings(value)) return undefined;
    (message as Record<string, readonly string[]>)[list] = value;
  }
  if (wire.clear === true) message.clear = true;
  return message;
}
