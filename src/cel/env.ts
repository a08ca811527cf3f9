/**
 * kapi's CEL environment: the libraries kube-apiserver 1.34 (kapi's minimum compatibility
 * version) offers to CustomResourceDefinition rules, as declarations for the checker and as
 * functions for @bufbuild/cel. Every function call, kapi's own and @bufbuild/cel's standard ones,
 * is metered (src/cel/cost.ts).
 */
import { celEnv, celFunc, celMethod, isCelError, type CelEnv, type CelFunc } from '@bufbuild/cel';

import type { CheckEnv } from './checker';
import { charge } from './cost';
import { EXT_LISTS } from './lib/extlists';
import { FORMATS_LIB } from './lib/format';
import { LISTS } from './lib/lists';
import { NET } from './lib/net';
import { OPTIONALS } from './lib/optional';
import { QUANTITIES } from './lib/quantity';
import { REGEX } from './lib/regex';
import { SEMVERS } from './lib/semver';
import { SETS } from './lib/sets';
import { STD, TYPE_IDENTIFIERS } from './lib/std';
import { STRINGS } from './lib/strings';
import { URLS } from './lib/urls';
import { sizeOf, type FunctionDecl, type Library, type Overload } from './library';
import { opaqueRegistry } from './opaque';
import type { CelType } from './types';

/** LIBRARIES are the function libraries of kapi's CEL environment, standard library first. */
export const LIBRARIES: readonly Library[] = [STD, LISTS, STRINGS, REGEX, URLS, QUANTITIES, NET, FORMATS_LIB, SEMVERS, SETS, EXT_LISTS, OPTIONALS];

function mergeDeclarations(libs: readonly Library[]): Map<string, FunctionDecl> {
  const merged = new Map<string, Overload[]>();
  for (const lib of libs) {
    for (const fn of lib.functions) merged.set(fn.name, [...(merged.get(fn.name) ?? []), ...fn.overloads]);
  }
  return new Map([...merged].map(([name, overloads]) => [name, { name, overloads }]));
}

/** FUNCTIONS are all function declarations by name. */
export const FUNCTIONS: ReadonlyMap<string, FunctionDecl> = mergeDeclarations(LIBRARIES);

/** STRING_COST_FUNCTIONS are standard functions that walk their string arguments. */
const STRING_COST_FUNCTIONS = new Set(['matches', 'contains', 'startsWith', 'endsWith', '_+_', 'string', 'bytes']);

/** meterStandard wraps one of @bufbuild/cel's standard functions so that calling it costs. */
function meterStandard(f: CelFunc): CelFunc {
  const scaled = STRING_COST_FUNCTIONS.has(f.name);
  const impl = function (this: unknown, ...args: unknown[]) {
    charge(1 + (scaled ? Math.ceil(args.reduce<number>((n, a) => n + sizeOf(a), sizeOf(this)) * 0.1) : 0));
    const r = f.call(0, f.target ? (this as never) : undefined, args as never);
    if (r === undefined) throw new Error('no such overload');
    if (isCelError(r)) throw r;
    return r;
  };
  return f.target ? celMethod(f.name, f.target, f.arguments, f.result, impl as never) : celFunc(f.name, f.arguments, f.result, impl as never);
}

function buildRuntime(): CelEnv {
  const own = LIBRARIES.flatMap((l) => l.runtime);
  const ownIds = new Set(own.map((f) => f.id));
  const standard = [...celEnv().funcs].filter((f) => !ownIds.has(f.id)).map(meterStandard);
  return celEnv({ registry: opaqueRegistry, funcs: [...standard, ...own] });
}

/** RUNTIME is the @bufbuild/cel environment programs are planned in. */
export const RUNTIME: CelEnv = buildRuntime();

/** checkEnv makes the checker environment for the given variables (self, oldSelf). */
export function checkEnv(variables: ReadonlyMap<string, CelType>): CheckEnv {
  return { variables, functions: FUNCTIONS, typeIdents: TYPE_IDENTIFIERS };
}
