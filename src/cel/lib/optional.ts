/**
 * The optional values library (cel-go's OptionalTypes, enabled by Kubernetes since 1.28):
 * optional.of, optional.ofNonZeroValue, optional.none, hasValue, value, orValue, or. The
 * optional syntax (`a.?b`, `[?x]`, `{?k: v}`) is not supported by @bufbuild/cel's parser; kapi
 * reports it at compile time.
 */
import { isCelList, isCelMap, isCelUint } from '@bufbuild/cel';

import { LibraryBuilder, type Library } from '../library';
import { OPTIONAL, optionalNone, optionalOf } from '../opaque';
import { BOOL, optionalOf as optionalType, param } from '../types';

function isZero(v: unknown): boolean {
  if (v === null || v === false || v === '' || v === 0 || v === 0n) return true;
  if (isCelUint(v)) return v.value === 0n;
  if (v instanceof Uint8Array) return v.length === 0;
  if (isCelList(v) || isCelMap(v)) return v.size === 0;
  return false;
}

function build(): Library {
  const b = new LibraryBuilder('cel.lib.optional');
  const V = param('V');
  const OPT_V = optionalType(V);
  const opt = (x: unknown) => OPTIONAL.unwrap(x);
  b.global('optional.of', { id: 'optional_of', args: [V], result: OPT_V, impl: (x: unknown) => optionalOf(x) });
  b.global('optional.ofNonZeroValue', { id: 'optional_ofNonZeroValue', args: [V], result: OPT_V, impl: (x: unknown) => (isZero(x) ? optionalNone() : optionalOf(x)) });
  b.global('optional.none', { id: 'optional_none', args: [], result: OPT_V, impl: () => optionalNone() });
  b.member('value', {
    id: 'optional_value',
    args: [OPT_V],
    result: V,
    impl: (x: unknown) => {
      const o = opt(x);
      if (!o.present) throw new Error('optional.none() dereference');
      return o.value;
    },
  });
  b.member('hasValue', { id: 'optional_hasValue', args: [OPT_V], result: BOOL, impl: (x: unknown) => opt(x).present });
  b.member('or', { id: 'optional_or_optional', args: [OPT_V, OPT_V], result: OPT_V, impl: (x: unknown, y: unknown) => (opt(x).present ? x : y) });
  b.member('orValue', {
    id: 'optional_orValue_value',
    args: [OPT_V, V],
    result: V,
    impl: (x: unknown, y: unknown) => {
      const o = opt(x);
      return o.present ? o.value : y;
    },
  });
  return b.build();
}

/** OPTIONALS is the optional values library. */
export const OPTIONALS: Library = build();
