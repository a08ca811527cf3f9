/**
 * Kubernetes' named format library (library/format.go): format.named(name) and
 * format.<name>() return a format whose validate(string) is optional.none() for a valid string
 * and optional.of(<errors>) otherwise, with upstream's messages.
 */
import { celList } from '@bufbuild/cel';

import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from '../../selectors/validation';
import { LibraryBuilder, traversal, type Library } from '../library';
import { OpaqueKind, optionalNone, optionalOf } from '../opaque';
import { FORMAT, STRING, listOf, optionalOf as optionalType } from '../types';
import { parseBase64, parseDateTime, parseFullDate } from '../timefmt';
import { parseRequestURI } from './urls';

/** NamedFormat is a format's name and its validation. */
export interface NamedFormat {
  readonly name: string;
  readonly validate: (s: string) => string[];
}

/** maskTrailingDash lets a generateName prefix end with '-' (upstream's maskTrailingDash). */
const maskTrailingDash = (s: string) => (s.length > 1 && s.endsWith('-') ? `${s.slice(0, -1)}a` : s);

const UUID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$/i;

const FORMATS: Readonly<Record<string, NamedFormat>> = {
  dns1123Label: { name: 'DNS1123Label', validate: isDNS1123Label },
  dns1123Subdomain: { name: 'DNS1123Subdomain', validate: isDNS1123Subdomain },
  dns1035Label: { name: 'DNS1035Label', validate: isDNS1035Label },
  qualifiedName: { name: 'QualifiedName', validate: isQualifiedName },
  dns1123LabelPrefix: { name: 'DNS1123LabelPrefix', validate: (s) => isDNS1123Label(maskTrailingDash(s)) },
  dns1123SubdomainPrefix: { name: 'DNS1123SubdomainPrefix', validate: (s) => isDNS1123Subdomain(maskTrailingDash(s)) },
  dns1035LabelPrefix: { name: 'DNS1035LabelPrefix', validate: (s) => isDNS1035Label(maskTrailingDash(s)) },
  labelValue: { name: 'LabelValue', validate: isValidLabelValue },
  uri: {
    name: 'URI',
    validate: (s) => {
      try {
        parseRequestURI(s);
        return [];
      } catch (e) {
        return [(e as Error).message];
      }
    },
  },
  uuid: { name: 'uuid', validate: (s) => (UUID.test(s) ? [] : ['does not match the UUID format']) },
  byte: { name: 'byte', validate: (s) => (parseBase64(s) ? [] : ['invalid base64']) },
  date: { name: 'date', validate: (s) => (parseFullDate(s) ? [] : ['invalid date']) },
  datetime: { name: 'datetime', validate: (s) => (parseDateTime(s) ? [] : ['invalid datetime']) },
};

export const FORMAT_KIND = new OpaqueKind<NamedFormat>('kubernetes.NamedFormat');

function build(): Library {
  const b = new LibraryBuilder('kubernetes.format');
  b.member('validate', {
    id: 'format-validate',
    args: [FORMAT, STRING],
    result: optionalType(listOf(STRING)),
    impl: (f: unknown, s: string) => {
      const errs = FORMAT_KIND.unwrap(f).validate(s);
      return errs.length === 0 ? optionalNone() : optionalOf(celList(errs));
    },
    cost: traversal,
  });
  b.global('format.named', {
    id: 'format-named',
    args: [STRING],
    result: optionalType(FORMAT),
    impl: (name: string) => (Object.hasOwn(FORMATS, name) ? optionalOf(FORMAT_KIND.wrap(FORMATS[name], name)) : optionalNone()),
  });
  for (const [name, f] of Object.entries(FORMATS)) {
    b.global(`format.${name}`, { id: `format.${name}`, args: [], result: FORMAT, impl: () => FORMAT_KIND.wrap(f, name) });
  }
  return b.build();
}

/** FORMATS_LIB is Kubernetes' named format library. */
export const FORMATS_LIB: Library = build();
