import type { UserInfo } from '../auth/user';

/** RequestContext is what a registry call knows about the request beyond its arguments. */
export interface RequestContext {
  /** namespace from the URL; '' for cluster-scoped resources and all-namespace lists. */
  namespace: string;
  user: UserInfo;
  /** dryRun runs every step but the write. */
  dryRun?: boolean;
  /** fieldManager is the fieldManager parameter; userAgent names the manager when it is absent. */
  fieldManager?: string;
  userAgent?: string;
  /** applied marks a server-side apply, whose managedFields the apply computed already. */
  applied?: boolean;
}
