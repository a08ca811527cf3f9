/**
 * Address and port ranges for service allocation. Allocation state lives in storage (one record
 * per allocated address or port, created with compare-and-swap), so it is correct under
 * concurrent creates, across restarts and across several servers sharing one store.
 */

/** IPv4Range is a CIDR's usable addresses: network and broadcast excluded. */
export class IPv4Range {
  readonly first: number;
  readonly last: number;

  constructor(readonly cidr: string) {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr.trim());
    if (!m) throw new Error(`invalid CIDR ${JSON.stringify(cidr)}`);
    const bits = Number(m[5]);
    const base = ipToNumber(`${m[1]}.${m[2]}.${m[3]}.${m[4]}`);
    if (base === undefined || bits < 8 || bits > 30) throw new Error(`invalid CIDR ${JSON.stringify(cidr)}`);
    const size = 2 ** (32 - bits);
    const network = base - (base % size);
    this.first = network + 1;
    this.last = network + size - 2;
  }

  contains(ip: string): boolean {
    const n = ipToNumber(ip);
    return n !== undefined && n >= this.first && n <= this.last;
  }

  /** inPrefix says whether ip is in the CIDR at all, its network and broadcast addresses included. */
  inPrefix(ip: string): boolean {
    const n = ipToNumber(ip);
    return n !== undefined && n >= this.first - 1 && n <= this.last + 1;
  }

  get size(): number {
    return this.last - this.first + 1;
  }

  at(offset: number): string {
    return numberToIp(this.first + offset);
  }
}

/** ipToNumber parses a dotted IPv4 address. */
export function ipToNumber(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((a, p) => a * 256 + Number(p), 0);
}

export function numberToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** PortRange is an inclusive range such as upstream's --service-node-port-range 30000-32767. */
export class PortRange {
  constructor(
    readonly base: number,
    readonly max: number,
  ) {}

  static parse(text: string): PortRange {
    const m = /^(\d+)-(\d+)$/.exec(text.trim());
    if (!m || Number(m[1]) > Number(m[2]) || Number(m[2]) > 65535) throw new Error(`invalid port range ${JSON.stringify(text)}`);
    return new PortRange(Number(m[1]), Number(m[2]));
  }

  contains(port: number): boolean {
    return port >= this.base && port <= this.max;
  }

  get size(): number {
    return this.max - this.base + 1;
  }

  toString(): string {
    return `${this.base}-${this.max}`;
  }
}

/**
 * candidates yields the offsets of a range starting at a random one, so concurrent allocators
 * rarely race for the same value and every value is tried once.
 */
export function* candidates(size: number): Generator<number> {
  const start = Math.floor(Math.random() * size);
  for (let i = 0; i < size; i++) yield (start + i) % size;
}
