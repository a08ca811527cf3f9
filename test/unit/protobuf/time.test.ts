import assert from 'node:assert/strict';
import { ProtobufError } from '../../../src/protobuf';
import { formatDuration, formatMicroTime, formatTime, parseDuration, parseRFC3339 } from '../../../src/protobuf/time';

describe('protobuf time formats', () => {
  it('formats durations as Go\'s time.Duration.String() (its own test table)', () => {
    const cases: [number, string][] = [
      [0, '0s'],
      [1, '1ns'],
      [1100, '1.1µs'],
      [2_200_000, '2.2ms'],
      [3_300_000_000, '3.3s'],
      [(4 * 60 + 5) * 1e9, '4m5s'],
      [(4 * 60 + 5) * 1e9 + 1_000_000, '4m5.001s'],
      [((5 * 60 + 6) * 60 + 7) * 1e9 + 1_000_000, '5h6m7.001s'],
      [8 * 60 * 1e9 + 1, '8m0.000000001s'],
      [3600e9, '1h0m0s'],
      [-1, '-1ns'],
      [-(4 * 60 + 5) * 1e9, '-4m5s'],
    ];
    for (const [nanos, text] of cases) assert.equal(formatDuration(nanos), text, String(nanos));
  });

  it('parses durations as Go\'s time.ParseDuration', () => {
    const cases: [string, number][] = [
      ['0', 0],
      ['5s', 5e9],
      ['30s', 30e9],
      ['1478s', 1478e9],
      ['-5s', -5e9],
      ['+5s', 5e9],
      ['5.6s', 5.6e9],
      ['5.s', 5e9],
      ['.5s', 0.5e9],
      ['1.0s', 1e9],
      ['1.004s', 1.004e9],
      ['100.00100s', 100.001e9],
      ['10ns', 10],
      ['11us', 11e3],
      ['12µs', 12e3],
      ['13ms', 13e6],
      ['14s', 14e9],
      ['15m', 15 * 60e9],
      ['16h', 16 * 3600e9],
      ['3h30m', 3.5 * 3600e9],
      ['10.5s4m', 4 * 60e9 + 10.5e9],
      ['-2m3.4s', -(2 * 60e9 + 3.4e9)],
      ['1h2m3s4ms5us6ns', 3600e9 + 2 * 60e9 + 3e9 + 4e6 + 5e3 + 6],
    ];
    for (const [text, nanos] of cases) assert.equal(parseDuration(text), nanos, text);
    for (const bad of ['', '3', '-', 's', '.', '.s', '+.s', '1d', '3000000h'.replace('h', 'x')]) {
      assert.throws(() => parseDuration(bad), ProtobufError, bad);
    }
  });

  it('parses RFC 3339 with offsets and fractions, and formats Time and MicroTime in UTC', () => {
    assert.deepEqual(parseRFC3339('2024-01-01T00:00:00Z'), { seconds: 1704067200, nanos: 0 });
    assert.deepEqual(parseRFC3339('2024-01-01T05:30:00.5+05:30'), { seconds: 1704067200, nanos: 500_000_000 });
    assert.deepEqual(parseRFC3339('1969-12-31T23:59:59.999999999Z'), { seconds: -1, nanos: 999_999_999 });
    assert.deepEqual(parseRFC3339('0001-01-01T00:00:00Z'), { seconds: -62135596800, nanos: 0 });
    assert.throws(() => parseRFC3339('2024-01-01 00:00:00'), ProtobufError);
    assert.equal(formatTime(1704067200), '2024-01-01T00:00:00Z');
    assert.equal(formatTime(-1), '1969-12-31T23:59:59Z');
    assert.equal(formatMicroTime(1704067200, 123_456_789), '2024-01-01T00:00:00.123456Z');
    assert.equal(formatMicroTime(1704067200, 0), '2024-01-01T00:00:00.000000Z');
  });
});
