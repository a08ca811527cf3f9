/**
 * A CEL function library as kapi declares it: the overloads the type checker resolves against
 * (as cel-go's function declarations) and, for each, the implementation @bufbuild/cel runs.
 * Both come from one table so that a function cannot be checked but missing at run time.
 */
import { CelScalar, celFunc, celMethod, listType, mapType, objectType, type CelFunc, type CelType as RuntimeType } from '@bufbuild/cel';
import { DurationSchema, TimestampSchema } from '@bufbuild/protobuf/wkt';

import { charge } from './cost';
import { OPTIONAL, opaqueRegistry } from './opaque';
import type { CelType } from './types';

/** Overload is one signature of a function; for a member overload args[0] is the receiver. */
export interface Overload {
  readonly id: string;
  readonly member: boolean;
  readonly args: readonly CelType[];
  readonly result: CelType;
  /**
   * runtimeName is the name the implementation of this overload is registered under when it
   * differs from the function's: the checker renames a call it resolves to this overload alone,
   * for functions whose behaviour depends on static types the runtime does not see (the sum of
   * an empty list(double) is 0.0).
   */
  readonly runtimeName?: string;
}

/** FunctionDecl is a function name with all its overloads. */
export interface FunctionDecl {
  readonly name: string;
  readonly overloads: readonly Overload[];
}

/** Library is a named set of function declarations with their implementations. */
export interface Library {
  readonly name: string;
  readonly functions: readonly FunctionDecl[];
  readonly runtime: readonly CelFunc[];
}

// biome-ignore lint: implementations take the CEL values of their arguments
type Impl = (...args: any[]) => unknown;

/** Cost returns the extra cost of a call from its arguments (the call itself costs 1). */
export type Cost = (args: readonly unknown[], result?: unknown) => number;

interface OverloadSpec {
  id: string;
  args: readonly CelType[];
  result: CelType;
  /** impl receives the receiver first for member overloads; absent when the runtime has it. */
  impl?: Impl;
  cost?: Cost;
  runtimeName?: string;
}

/** runtimeType maps a static type to the type @bufbuild/cel dispatches overloads on. */
export function runtimeType(t: CelType): RuntimeType {
  switch (t.kind) {
    case 'int':
      return CelScalar.INT;
    case 'uint':
      return CelScalar.UINT;
    case 'double':
      return CelScalar.DOUBLE;
    case 'bool':
      return CelScalar.BOOL;
    case 'string':
      return CelScalar.STRING;
    case 'bytes':
      return CelScalar.BYTES;
    case 'null_type':
      return CelScalar.NULL;
    case 'timestamp':
      return objectType(TimestampSchema);
    case 'duration':
      return objectType(DurationSchema);
    case 'list':
      return listType(CelScalar.DYN);
    case 'map':
    case 'struct':
      return mapType(CelScalar.DYN, CelScalar.DYN);
    case 'type':
      return CelScalar.TYPE;
    case 'opaque': {
      if (t.name === 'optional_type') return OPTIONAL.runtimeType;
      const d = opaqueRegistry.getMessage(t.name);
      return d ? objectType(d) : CelScalar.DYN;
    }
    default:
      return CelScalar.DYN;
  }
}

/** LibraryBuilder collects functions into a Library. */
export class LibraryBuilder {
  private readonly decls = new Map<string, Overload[]>();
  private readonly funcs: CelFunc[] = [];

  constructor(private readonly name: string) {}

  /** global declares `name(args...)`. */
  global(name: string, ...overloads: OverloadSpec[]): this {
    return this.add(name, false, overloads);
  }

  /** member declares `receiver.name(args...)`; args[0] is the receiver type. */
  member(name: string, ...overloads: OverloadSpec[]): this {
    return this.add(name, true, overloads);
  }

  private add(name: string, member: boolean, overloads: OverloadSpec[]): this {
    const list = this.decls.get(name) ?? [];
    for (const o of overloads) {
      list.push({ id: o.id, member, args: o.args, result: o.result, runtimeName: o.runtimeName });
      if (o.impl) this.funcs.push(makeFunc(o.runtimeName ?? name, member, o));
    }
    this.decls.set(name, list);
    return this;
  }

  /** runtimeOnly registers an implementation without a declaration (a renamed overload's fallback). */
  runtimeOnly(name: string, member: boolean, o: OverloadSpec): this {
    this.funcs.push(makeFunc(name, member, o));
    return this;
  }

  build(): Library {
    return {
      name: this.name,
      functions: [...this.decls].map(([name, overloads]) => ({ name, overloads })),
      runtime: this.funcs,
    };
  }
}

function makeFunc(name: string, member: boolean, o: OverloadSpec): CelFunc {
  const impl = o.impl as Impl;
  const cost = o.cost;
  const result = runtimeType(o.result);
  if (member) {
    const [target, ...args] = o.args;
    return celMethod(name, runtimeType(target), args.map(runtimeType), result, function (this: unknown, ...values: unknown[]) {
      charge(1 + (cost ? cost([this, ...values]) : 0));
      return impl(this, ...values);
    } as never);
  }
  return celFunc(name, o.args.map(runtimeType), result, ((...values: unknown[]) => {
    charge(1 + (cost ? cost(values) : 0));
    return impl(...values);
  }) as never);
}

/** sizeOf is the size a cost is proportional to: characters, bytes, elements or entries. */
export function sizeOf(v: unknown): number {
  if (typeof v === 'string') return v.length;
  if (v instanceof Uint8Array) return v.length;
  if (typeof v === 'object' && v !== null && 'size' in v && typeof (v as { size: unknown }).size === 'number') return (v as { size: number }).size;
  return 0;
}

/** traversal charges a tenth of the size of every argument (cel-go's string cost factor). */
export const traversal: Cost = (args) => Math.ceil(args.reduce<number>((n, a) => n + sizeOf(a), 0) * 0.1);
