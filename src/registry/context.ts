import type { UserInfo } from '../auth/user';

/** RequestContext is what a registry call knows about the request beyond its arguments. */
export interface RequestContext {
  /** namespace from the URL; '' for cluster-scoped resources and all-namespace lists. */
  namespace: string;
  user: UserInfo;
  /** dryRun runs every step but the write. */
  dryRun?: boolean;
}
