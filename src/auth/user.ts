/** UserInfo is who a request acts as, after authentication (and impersonation). */
export interface UserInfo {
  name: string;
  uid?: string;
  groups: readonly string[];
  extra?: Readonly<Record<string, readonly string[]>>;
}
