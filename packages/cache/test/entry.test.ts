import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeEntry } from '../src/entry.js';

const entry = {
  status: 203,
  contentType: 'application/json; charset=utf-8',
  body: '{"a":"x|y\\nz"}\n|',
  etag: '"abc-_"',
  freshUntil: 1_767_225_600_123,
};

describe('stored entries', () => {
  it('round-trip exactly, whatever the body holds', () => {
    expect(decodeEntry(encodeEntry(entry))).toEqual(entry);
  });

  it('keep a content type holding | whole', () => {
    const odd = { ...entry, contentType: 'text/plain; note="a|b"' };
    expect(decodeEntry(encodeEntry(odd))).toEqual(odd);
  });

  it('read anything else as a miss', () => {
    const raw = encodeEntry(entry);
    for (const bad of [
      '{"title":"an entry of the original decorator"}',
      'kc1|',
      'kc1|123|200|"e"',
      'kc1|123|200\n|"e"|application/json',
      'kc1|12x|200|"e"|application/json\n{}',
      'kc1|123||"e"|application/json\n{}',
      'kc1|-1|200|"e"|application/json\n{}',
      raw.replace('kc1|', 'kc2|'),
    ]) {
      expect(decodeEntry(bad)).toBeUndefined();
    }
  });
});
