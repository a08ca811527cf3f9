/** ObjectAttrs is what selectors look at, extracted once per stored value. */
export interface ObjectAttrs {
  labels: Readonly<Record<string, string>> | undefined;
  /** fields holds metadata.name, metadata.namespace and the resource's selectable fields. */
  fields: Readonly<Record<string, string>>;
}

/** Predicate decides whether an object is part of a list or watch (label + field selectors). */
export interface Predicate {
  readonly empty: boolean;
  matches(attrs: ObjectAttrs): boolean;
}

/** everything is the predicate of an unfiltered list or watch. */
export const everything: Predicate = { empty: true, matches: () => true };
