import type { UserInfo } from '../auth/user';
import type { KubeObject } from '../meta/object';
import type { ResourceDescriptor } from '../resources/descriptor';

/** Operation is what a request does, as admission sees it. */
export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** Attributes describe one request to admission plugins (upstream admission.Attributes). */
export interface Attributes {
  operation: Operation;
  resource: ResourceDescriptor;
  subresource: string;
  namespace: string;
  name: string;
  /** object is the incoming object (CREATE, UPDATE); mutating plugins may change it. */
  object?: KubeObject;
  /** oldObject is the stored object (UPDATE, DELETE). */
  oldObject?: KubeObject;
  user: UserInfo;
  dryRun: boolean;
}

/**
 * Plugin is one admission plugin. `admit` may mutate the object and runs before validation;
 * `validate` must not mutate and runs after it. Either refuses by throwing a StatusError
 * (403 Forbidden by convention).
 */
export interface Plugin {
  readonly name: string;
  admit?(a: Attributes): Promise<void> | void;
  validate?(a: Attributes): Promise<void> | void;
}

/** Admission runs the enabled plugins in kube-apiserver's order. */
export interface Admission {
  admit(a: Attributes): Promise<void>;
  validate(a: Attributes): Promise<void>;
}

/** chain combines plugins, mutating ones first in order, then validating ones in order. */
export function chain(plugins: readonly Plugin[]): Admission {
  return {
    async admit(a) {
      for (const p of plugins) if (p.admit) await p.admit(a);
    },
    async validate(a) {
      for (const p of plugins) if (p.validate) await p.validate(a);
    },
  };
}

/** noAdmission admits everything. */
export const noAdmission: Admission = chain([]);
