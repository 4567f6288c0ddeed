import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeEntry } from '../src/entry.js';
import { createRecord, decodeRecord, encodeRecord, recordTags } from '../src/record.js';

const entry = {
  status: 203,
  contentType: 'application/json; charset=utf-8',
  body: '{"a":"x|y\\nz"}\n|',
  etag: '"abc-_"',
  freshUntil: 1_767_225_600_123,
};

describe('stored records', () => {
  const record = createRecord(encodeEntry(entry), ['posts:a|b', 'line\nbreak'], {
    freshMs: 1000,
    staleMs: 500,
    graceMs: 60_000,
  });

  it('round-trip exactly, whatever the payload and the tags hold', () => {
    expect(decodeRecord(encodeRecord(record))).toEqual(record);
    expect(recordTags(record)).toEqual(['posts:a|b', 'line\nbreak']);
    expect(recordTags(createRecord('x', [], { freshMs: 1, staleMs: 0, graceMs: 0 }))).toEqual([]);
  });

  it('keep the stale and grace times apart', () => {
    expect(record.staleUntil - record.freshUntil).toBe(500);
    expect(record.graceUntil - record.freshUntil).toBe(60_000);
  });

  it('read anything else as a miss', () => {
    const raw = encodeRecord(record);
    for (const bad of [
      '{"title":"an entry of the original decorator"}',
      'kc2|',
      'kc2|1|2|3',
      'kc2|1|2|3|[]',
      'kc2|1x|2|3|\n{}',
      'kc2|1||3|\n{}',
      'kc2|-1|2|3|\n{}',
      'kc1|123|200|"e"|application/json\n{}',
      raw.replace('kc2|', 'kc3|'),
    ]) {
      expect(decodeRecord(bad)).toBeUndefined();
    }
  });
});

describe('route payloads', () => {
  it('round-trip exactly, whatever the body holds', () => {
    expect(decodeEntry(encodeEntry(entry), entry.freshUntil)).toEqual(entry);
  });

  it('keep a content type holding | whole', () => {
    const odd = { ...entry, contentType: 'text/plain; note="a|b"' };
    expect(decodeEntry(encodeEntry(odd), odd.freshUntil)).toEqual(odd);
  });

  it('read anything else as a miss', () => {
    for (const bad of [
      '',
      '200',
      '200|"e"',
      '200\n|"e"|application/json',
      'x|"e"|a\n{}',
      '|"e"|a\n{}',
    ]) {
      expect(decodeEntry(bad, 0)).toBeUndefined();
    }
  });
});
