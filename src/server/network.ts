/**
 * firstServiceIP returns the first usable address of a service CIDR (10.0.0.0/24 → 10.0.0.1),
 * the ClusterIP of the `kubernetes` Service.
 */
export function firstServiceIP(cidr: string): string {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr.trim());
  if (!m) throw new Error(`invalid --service-cluster-ip-range ${JSON.stringify(cidr)}: expected an IPv4 CIDR such as 10.0.0.0/24`);
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits < 8 || bits > 30) {
    throw new Error(`invalid --service-cluster-ip-range ${JSON.stringify(cidr)}: prefix length must be between 8 and 30`);
  }
  const ip = octets.reduce((a, o) => a * 256 + o, 0);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const first = ((ip & mask) >>> 0) + 1;
  return [24, 16, 8, 0].map((s) => (first >>> s) & 255).join('.');
}
