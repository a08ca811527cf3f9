/** identifier turns `networking.k8s.io-v1beta1` + `ingresses` into `networking_k8s_io_v1beta1_ingresses`. */
export function identifier(...parts: string[]): string {
  return parts
    .join('_')
    .replace(/[^A-Za-z0-9_]/g, '_')
    .replace(/_+/g, '_');
}

/** camel turns `pods` + `status` into `podsStatus`. */
export function camel(...parts: string[]): string {
  return parts
    .map((p, i) => {
      const clean = p.replace(/[^A-Za-z0-9]+(.)/g, (_m, c: string) => c.toUpperCase());
      return i === 0 ? clean : clean.charAt(0).toUpperCase() + clean.slice(1);
    })
    .join('');
}
