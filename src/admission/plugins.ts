import { decode } from '../storage/codec';
import { chain, type Admission, type Plugin } from './interface';
import { namespaceLifecycle, type NamespaceState } from './namespacelifecycle';

/** NamespaceLookup reads a namespace from the watch cache. */
export interface AdmissionDeps {
  /** namespaceJSON returns the stored namespace, or undefined. */
  namespaceJSON(name: string): string | undefined;
}

/**
 * PLUGIN_ORDER is kube-apiserver's fixed plugin order; enabling a plugin never changes where
 * it runs. Plugins not implemented yet are refused by name at start-up.
 */
export const PLUGIN_ORDER = ['NamespaceLifecycle'] as const;

/** DEFAULT_PLUGINS are on unless disabled, as upstream's recommended set (those kapi has). */
export const DEFAULT_PLUGINS: readonly string[] = ['NamespaceLifecycle'];

/** buildAdmission makes the chain of the enabled plugins, in upstream order. */
export function buildAdmission(enabled: readonly string[], deps: AdmissionDeps): Admission {
  const unknown = enabled.filter((n) => !(PLUGIN_ORDER as readonly string[]).includes(n));
  if (unknown.length) throw new Error(`admission plugins not supported: ${unknown.join(', ')} (supported: ${PLUGIN_ORDER.join(', ')})`);
  const plugins: Plugin[] = [];
  for (const name of PLUGIN_ORDER) {
    if (!enabled.includes(name)) continue;
    if (name === 'NamespaceLifecycle') {
      plugins.push(
        namespaceLifecycle((ns): NamespaceState => {
          const json = deps.namespaceJSON(ns);
          if (!json) return 'Missing';
          return decode(json).metadata.deletionTimestamp ? 'Terminating' : 'Active';
        }),
      );
    }
  }
  return chain(plugins);
}
