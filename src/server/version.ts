/** KUBERNETES_MINOR is the Kubernetes release whose API kapi serves (kubectl warns beyond one minor of skew). */
export const KUBERNETES_MAJOR = '1';
export const KUBERNETES_MINOR = '35';

/** versionInfo is the body of /version: every field version.Info has, as clients require them all. */
export function versionInfo(kapiVersion: string): Record<string, string> {
  return {
    major: KUBERNETES_MAJOR,
    minor: KUBERNETES_MINOR,
    emulationMajor: KUBERNETES_MAJOR,
    emulationMinor: KUBERNETES_MINOR,
    minCompatibilityMajor: KUBERNETES_MAJOR,
    minCompatibilityMinor: String(Number(KUBERNETES_MINOR) - 1),
    // Build metadata keeps semver comparisons (helm's kubeVersion constraints) working.
    gitVersion: `v${KUBERNETES_MAJOR}.${KUBERNETES_MINOR}.0+kapi.${kapiVersion}`,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'kapi',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}
