/**
 * The CRD string formats of src/schema/formats.ts, with values kube-openapi's strfmt registry
 * accepts and refuses (k8s.io/kube-openapi pkg/validation/strfmt and its tests).
 */
import * as assert from 'node:assert/strict';

import { crdFormatCheck } from '../../../src/schema/formats';

const CASES: Readonly<Record<string, { valid: string[]; invalid: string[] }>> = {
  email: { valid: ['ops@example.com', 'Ops Team <ops@example.com>', 'a.b+c@sub.example.org'], invalid: ['not an address', 'ops@', '@example.com', ''] },
  uuid: { valid: ['123e4567-e89b-12d3-a456-426614174000', '123E4567E89B12D3A456426614174000'], invalid: ['not-a-uuid', '123e4567-e89b-12d3-a456-42661417400'] },
  uuid4: { valid: ['123e4567-e89b-42d3-a456-426614174000'], invalid: ['123e4567-e89b-12d3-a456-426614174000'] },
  ipv4: { valid: ['192.0.2.10', '010.001.002.003', '::ffff:192.0.2.1'], invalid: ['300.1.2.3', '1.2.3', '2001:db8::1', 'a.b.c.d'] },
  ipv6: { valid: ['2001:db8::1', '::', '::ffff:192.0.2.1', '1:2:3:4:5:6:7:8'], invalid: ['192.0.2.10', '1:2:3:4:5:6:7:8:9', '2001:db8:::1', 'g::1'] },
  cidr: { valid: ['10.0.0.0/8', '2001:db8::/32'], invalid: ['10.0.0.0/33', '10.0.0.0', '2001:db8::/129'] },
  mac: { valid: ['00:1a:2b:3c:4d:5e', '00-1A-2B-3C-4D-5E', '001a.2b3c.4d5e'], invalid: ['00:1a:2b:3c:4d', 'zz:1a:2b:3c:4d:5e'] },
  hostname: { valid: ['example.com', 'a', 'my-host.example'], invalid: ['-bad.example.com', 'a..b', 'has space.com'] },
  'date-time': { valid: ['2024-01-02T03:04:05Z', '2024-01-02t03:04:05.123+01:00'], invalid: ['yesterday', '2024-01-02', '2024-01-02T25:00:00Z', '2024-02-30T00:00:00Z', '2024-01-02T03:04:05'] },
  date: { valid: ['2024-02-29', '2023-12-31'], invalid: ['2023-02-29', '2024-1-2', '20240102'] },
  duration: { valid: ['1h30m', '300ms', '3 days', '0', '1.5h'], invalid: ['forever', ''] },
  byte: { valid: ['aGVsbG8=', 'aGk='], invalid: ['not base64!', 'aGVsbG8'] },
  uri: { valid: ['https://example.com/a?b=c', '/absolute/path', 'mailto:ops@example.com'], invalid: ['relative/path', 'example.com', ''] },
  hexcolor: { valid: ['#fff', 'A1B2C3'], invalid: ['#ffff', 'red'] },
  rgbcolor: { valid: ['rgb(255, 0, 10)'], invalid: ['rgb(256,0,0)', 'rgb(1,2)'] },
  isbn10: { valid: ['0321751043', '0-321-75104-3'], invalid: ['0321751044'] },
  isbn13: { valid: ['978-0321751041'], invalid: ['978-0321751042'] },
  creditcard: { valid: ['4111 1111 1111 1111'], invalid: ['4111 1111 1111 1112'] },
  ssn: { valid: ['123-45-6789', '123 45 6789'], invalid: ['123456789', '12-345-6789'] },
  bsonobjectid: { valid: ['507f1f77bcf86cd799439011'], invalid: ['507f1f77bcf86cd79943901', 'z07f1f77bcf86cd799439011'] },
  'k8s-short-name': { valid: ['my-name', 'a1'], invalid: ['My-Name', 'a.b', '-a', 'a'.repeat(64)] },
  'k8s-long-name': { valid: ['my.name-1.example', 'a'], invalid: ['My.name', 'a..b', 'a'.repeat(254)] },
  password: { valid: ['anything at all', ''], invalid: [] },
};

describe('schema/formats (CRD string formats)', () => {
  for (const [format, { valid, invalid }] of Object.entries(CASES)) {
    it(`checks ${format}`, () => {
      const check = crdFormatCheck(format, 'string');
      assert.ok(check, `${format} is a CRD format`);
      for (const v of valid) assert.equal(check(v), true, `${JSON.stringify(v)} is a valid ${format}`);
      for (const v of invalid) assert.equal(check(v), false, `${JSON.stringify(v)} is not a valid ${format}`);
    });
  }

  it('reads format names without their dashes, as go-openapi does', () => {
    assert.ok(crdFormatCheck('datetime', 'string'));
    assert.ok(crdFormatCheck('k8sshortname', undefined));
  });

  it('ignores formats upstream strips: unknown ones, and any on a type other than string', () => {
    assert.equal(crdFormatCheck('quantity', 'string'), undefined);
    assert.equal(crdFormatCheck('int32', 'integer'), undefined);
    assert.equal(crdFormatCheck('email', 'integer'), undefined);
  });
});
