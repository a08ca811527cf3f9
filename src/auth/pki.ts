/**
 * The server's PKI, laid out the way kubeadm lays out /etc/kubernetes/pki: a CA, the API server's
 * serving pair and the cluster-admin client pair, in `<dataDir>/pki`. The set is made once, at
 * first start; later starts only read and check the files, which needs nothing but node:crypto.
 * The X.509 library is slow to load, so it is required only where a certificate gets signed.
 */
import { createPrivateKey, KeyObject, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { isIP } from 'node:net';
import * as path from 'node:path';
// Types only: erased at compile time, so they do not load the library.
import type { Extension, X509Certificate as PeculiarCertificate } from '@peculiar/x509';

type X509Module = typeof import('@peculiar/x509');

const DAY_MS = 24 * 60 * 60 * 1000;
/** CA_VALIDITY_DAYS is kubeadm's CA lifetime: ten years, longer than any cluster should live. */
const CA_VALIDITY_DAYS = 3650;
/** LEAF_VALIDITY_DAYS is kubeadm's lifetime for serving and client certificates: one year. */
const LEAF_VALIDITY_DAYS = 365;
/** CLOCK_SKEW_MS backdates notBefore so a peer whose clock lags ours accepts a fresh certificate. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
/** SERVING_RENEW_BEFORE_MS: a start this close to the serving cert's expiry re-issues it, so a server restarted now and then never ends up serving an expired certificate. */
const SERVING_RENEW_BEFORE_MS = 30 * DAY_MS;
/** STALE_STAGING_MS: a staging dir this old is a crashed first start's leftover, not one in progress. */
const STALE_STAGING_MS = 60 * 60 * 1000;

const PKI_DIR_MODE = 0o700; // the directory holds private keys: owner only
const KEY_FILE_MODE = 0o600; // as kubeadm writes private keys
const CERT_FILE_MODE = 0o644; // certificates are public
const STAGING_PREFIX = '.pki-staging-';

const CA_COMMON_NAME = 'kapi-ca';
const SERVING_COMMON_NAME = 'kapi-apiserver';
const ADMIN_COMMON_NAME = 'kubernetes-admin';
/** MASTERS_GROUP is the group the default RBAC policy binds to cluster-admin. */
const MASTERS_GROUP = 'system:masters';

/** The names in-cluster and local clients use for the API server, as kube-apiserver's own cert has. */
const DEFAULT_SERVING_HOSTS = [
  'localhost',
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
];
const DEFAULT_SERVING_IPS = ['127.0.0.1', '::1'];

const KEY_ALGORITHM: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING_ALGORITHM: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
/** OPENSSL_CURVES maps node:crypto's (OpenSSL's) curve names to WebCrypto's. */
const OPENSSL_CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

const SERVER_AUTH_OID = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';

/** PkiPaths are the files of a PKI set, by role. */
export interface PkiPaths {
  dir: string;
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
}

/** PkiOrigin says what ensurePki did, for the start-up log. */
export type PkiOrigin = 'created' | 'loaded' | 'serving-reissued';

/** Pki is the server's PEM material (keys are PKCS#8) and where it lives. */
export interface Pki {
  caCertPem: string;
  caKeyPem: string;
  servingCertPem: string;
  servingKeyPem: string;
  adminCertPem: string;
  adminKeyPem: string;
  paths: PkiPaths;
  origin: PkiOrigin;
  /** servingReissuedBecause says why, when origin is 'serving-reissued'. */
  servingReissuedBecause?: string;
}

/** EnsurePkiOptions says where the PKI lives and which names the serving cert must carry. */
export interface EnsurePkiOptions {
  /** dataDir holds `pki/`; it is made (0700) if missing. */
  dataDir: string;
  /** hosts are DNS SANs beyond the built-in ones; an IP literal here becomes an IP SAN. */
  hosts: string[];
  /** ips are IP SANs beyond 127.0.0.1 and ::1, e.g. the --bind-address. */
  ips: string[];
  /** now is the clock for validity and renewal; tests move it. */
  now?: () => Date;
}

/** CertificateAndKey is a PEM certificate and its PKCS#8 PEM private key. */
export interface CertificateAndKey {
  certPem: string;
  keyPem: string;
}

/** CertificateSubject is a client identity as Kubernetes reads it: CN is the user, each O a group. */
export interface CertificateSubject {
  commonName: string;
  organizations?: string[];
}

/** IssueOptions sets a certificate's validity; notAfter wins over days. */
export interface IssueOptions {
  days?: number;
  notBefore?: Date;
  notAfter?: Date;
}

/** CertificateAuthority is the part of a Pki that signs. */
export type CertificateAuthority = Pick<Pki, 'caCertPem' | 'caKeyPem'>;

type PemField = 'caCertPem' | 'caKeyPem' | 'servingCertPem' | 'servingKeyPem' | 'adminCertPem' | 'adminKeyPem';
type PkiMaterial = Record<PemField, string>;

interface PkiFile {
  field: PemField;
  role: Exclude<keyof PkiPaths, 'dir'>;
  name: string;
  mode: number;
}

const PKI_FILES: readonly PkiFile[] = [
  { field: 'caCertPem', role: 'caCert', name: 'ca.crt', mode: CERT_FILE_MODE },
  { field: 'caKeyPem', role: 'caKey', name: 'ca.key', mode: KEY_FILE_MODE },
  { field: 'servingCertPem', role: 'servingCert', name: 'apiserver.crt', mode: CERT_FILE_MODE },
  { field: 'servingKeyPem', role: 'servingKey', name: 'apiserver.key', mode: KEY_FILE_MODE },
  { field: 'adminCertPem', role: 'adminCert', name: 'admin.crt', mode: CERT_FILE_MODE },
  { field: 'adminKeyPem', role: 'adminKey', name: 'admin.key', mode: KEY_FILE_MODE },
];

interface ServingNames {
  dns: string[];
  ips: string[];
}

interface Validity {
  notBefore: Date;
  notAfter: Date;
}

/** pkiPaths names the PKI files under a data dir. */
export function pkiPaths(dataDir: string): PkiPaths {
  const dir = path.join(dataDir, 'pki');
  const paths: PkiPaths = { dir, caCert: '', caKey: '', servingCert: '', servingKey: '', adminCert: '', adminKey: '' };
  for (const file of PKI_FILES) paths[file.role] = path.join(dir, file.name);
  return paths;
}

/**
 * ensurePki loads the PKI from `<dataDir>/pki`, or creates it there if none of its files exist.
 * It never overwrites the CA or admin pair: a partial or inconsistent set is an Error naming the
 * problem. The serving pair alone is re-issued from the existing CA when it lacks a requested
 * host or IP, is near expiry, or no longer matches its key.
 */
export async function ensurePki(opts: EnsurePkiOptions): Promise<Pki> {
  const now = opts.now ?? (() => new Date());
  const paths = pkiPaths(opts.dataDir);
  const names = servingNames(opts.hosts, opts.ips);
  const found = await readPkiFiles(paths);
  const missing = PKI_FILES.filter((f) => found[f.field] === undefined);
  if (missing.length === PKI_FILES.length) {
    const material = await createPkiMaterial(names, now());
    await commitPkiFiles(opts.dataDir, paths, material);
    return { ...material, paths, origin: 'created' };
  }
  if (missing.length > 0) {
    throw new Error(
      `pki: ${paths.dir} is incomplete, missing ${missing.map((f) => f.name).join(', ')}; ` +
        'restore them, or remove the directory to make a new CA (which invalidates every kubeconfig and client certificate made from the old one)',
    );
  }
  const material = found as PkiMaterial;
  const reason = servingReissueReason(material, paths, names, now());
  if (reason === undefined) return { ...material, paths, origin: 'loaded' };

  const serving = await signLeaf(material, {
    subject: { commonName: SERVING_COMMON_NAME },
    extendedKeyUsage: SERVER_AUTH_OID,
    altNames: names,
    ...leafValidity(material.caCertPem, now()),
  });
  // Two renames cannot be one atomic step; a crash between them leaves a pair whose key does not
  // match, which the next start detects and re-issues, as it does here.
  await writeFileAtomic(paths.servingKey, serving.keyPem, KEY_FILE_MODE);
  await writeFileAtomic(paths.servingCert, serving.certPem, CERT_FILE_MODE);
  return {
    ...material,
    servingCertPem: serving.certPem,
    servingKeyPem: serving.keyPem,
    paths,
    origin: 'serving-reissued',
    servingReissuedBecause: reason,
  };
}

/**
 * issueClientCertificate signs a new client certificate (clientAuth, fresh P-256 key) with the
 * given CA: the CN becomes the user name and each O a group. Validity defaults to one year from
 * now; pass notBefore/notAfter for certificates that are not yet or no longer valid.
 */
export async function issueClientCertificate(
  ca: CertificateAuthority,
  subject: CertificateSubject,
  opts: IssueOptions = {},
): Promise<CertificateAndKey> {
  if (subject.commonName === '') throw new Error('pki: a client certificate needs a common name (the user name)');
  const notBefore = opts.notBefore ?? new Date(Date.now() - CLOCK_SKEW_MS);
  const notAfter = opts.notAfter ?? new Date(notBefore.getTime() + (opts.days ?? LEAF_VALIDITY_DAYS) * DAY_MS);
  if (notAfter.getTime() <= notBefore.getTime()) {
    throw new Error(`pki: notAfter ${notAfter.toISOString()} is not after notBefore ${notBefore.toISOString()}`);
  }
  return signLeaf(ca, { subject, extendedKeyUsage: CLIENT_AUTH_OID, notBefore, notAfter });
}

/** createCertificateAuthority makes a standalone self-signed CA, valid for ten years from now. */
export async function createCertificateAuthority(commonName: string): Promise<CertificateAndKey> {
  return newCertificateAuthority(commonName, new Date());
}

/**
 * writeFileAtomic replaces a file so readers see the old content or the new, never a torn one,
 * even across a crash: the data is written and fsynced to a temp file created with `mode`, which
 * is then renamed over the target, and the directory is fsynced so the rename itself persists.
 */
export async function writeFileAtomic(filePath: string, data: string, mode: number): Promise<void> {
  const dir = path.dirname(filePath);
  const tmp = path.join(dir, `.${path.basename(filePath)}.tmp-${randomBytes(6).toString('hex')}`);
  try {
    await writeSynced(tmp, data, mode);
    await fs.rename(tmp, filePath);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await syncDir(dir);
}

function loadX509(): X509Module {
  // @peculiar/x509 resolves its algorithms through tsyringe, whose decorators need the Reflect
  // metadata API installed before the library loads.
  require('reflect-metadata');
  return require('@peculiar/x509') as X509Module;
}

/** servingNames merges the built-in SANs with the requested ones; an IP literal among the hosts is filed as an IP SAN, since that is how clients connecting to it check it. */
function servingNames(hosts: string[], ips: string[]): ServingNames {
  const dns = new Set(DEFAULT_SERVING_HOSTS);
  const addresses = new Set(DEFAULT_SERVING_IPS);
  for (const raw of hosts) {
    const host = raw.trim();
    if (host === '') continue;
    if (isIP(unbracket(host)) !== 0) addresses.add(unbracket(host));
    else dns.add(host.toLowerCase().replace(/\.$/, ''));
  }
  for (const raw of ips) {
    const ip = unbracket(raw.trim());
    if (isIP(ip) === 0) throw new Error(`pki: ${JSON.stringify(raw)} is not an IP address`);
    addresses.add(ip);
  }
  return { dns: [...dns], ips: [...addresses] };
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

async function readPkiFiles(paths: PkiPaths): Promise<Partial<PkiMaterial>> {
  const found: Partial<PkiMaterial> = {};
  for (const file of PKI_FILES) {
    try {
      found[file.field] = await fs.readFile(paths[file.role], 'utf8');
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
  }
  return found;
}

async function createPkiMaterial(names: ServingNames, now: Date): Promise<PkiMaterial> {
  const ca = await newCertificateAuthority(CA_COMMON_NAME, now);
  const caPair = { caCertPem: ca.certPem, caKeyPem: ca.keyPem };
  const validity = leafValidity(ca.certPem, now);
  const serving = await signLeaf(caPair, {
    subject: { commonName: SERVING_COMMON_NAME },
    extendedKeyUsage: SERVER_AUTH_OID,
    altNames: names,
    ...validity,
  });
  const admin = await signLeaf(caPair, {
    subject: { commonName: ADMIN_COMMON_NAME, organizations: [MASTERS_GROUP] },
    extendedKeyUsage: CLIENT_AUTH_OID,
    ...validity,
  });
  return {
    ...caPair,
    servingCertPem: serving.certPem,
    servingKeyPem: serving.keyPem,
    adminCertPem: admin.certPem,
    adminKeyPem: admin.keyPem,
  };
}

/**
 * commitPkiFiles writes the set into a private staging dir and renames that to `pki`, so the set
 * appears whole or not at all. If `pki` already holds unrelated files the directory cannot be
 * renamed over it; the files are then hard-linked in one by one, which never overwrites, so a
 * concurrent start fails loudly instead of mixing two sets.
 */
async function commitPkiFiles(dataDir: string, paths: PkiPaths, material: PkiMaterial): Promise<void> {
  await fs.mkdir(dataDir, { recursive: true, mode: PKI_DIR_MODE });
  await removeStaleStaging(dataDir);
  const staging = await fs.mkdtemp(path.join(dataDir, STAGING_PREFIX)); // mkdtemp makes it 0700
  try {
    for (const file of PKI_FILES) await writeSynced(path.join(staging, file.name), material[file.field], file.mode);
    await syncDir(staging);
    try {
      await fs.rename(staging, paths.dir);
    } catch (err) {
      if (!isErrno(err, 'ENOTEMPTY', 'EEXIST')) throw err;
      await linkEach(staging, paths);
    }
    await syncDir(dataDir);
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

async function linkEach(staging: string, paths: PkiPaths): Promise<void> {
  for (const file of PKI_FILES) {
    try {
      await fs.link(path.join(staging, file.name), paths[file.role]);
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
      throw new Error(`pki: ${paths[file.role]} appeared while the PKI was being created; is another kapi starting on the same data dir?`);
    }
  }
  await syncDir(paths.dir);
}

async function removeStaleStaging(dataDir: string): Promise<void> {
  for (const entry of await fs.readdir(dataDir)) {
    if (!entry.startsWith(STAGING_PREFIX)) continue;
    const dir = path.join(dataDir, entry);
    try {
      const { mtimeMs } = await fs.stat(dir);
      if (Date.now() - mtimeMs > STALE_STAGING_MS) await fs.rm(dir, { recursive: true, force: true });
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
  }
}

/**
 * servingReissueReason checks a loaded set. A CA that does not match its key, or a leaf the CA did
 * not sign, is an Error: replacing either would silently cut off every client of the old set. A
 * serving cert that merely falls short of what is asked of it returns why it should be re-issued.
 */
function servingReissueReason(material: PkiMaterial, paths: PkiPaths, names: ServingNames, now: Date): string | undefined {
  const ca = parseCertificate(material.caCertPem, paths.caCert);
  if (!ca.ca) throw new Error(`pki: ${paths.caCert} is not a CA certificate`);
  if (!ca.checkPrivateKey(parseKey(material.caKeyPem, paths.caKey))) {
    throw new Error(`pki: ${paths.caKey} is not the key of ${paths.caCert}`);
  }
  const admin = parseCertificate(material.adminCertPem, paths.adminCert);
  if (!admin.verify(ca.publicKey)) throw new Error(`pki: ${paths.adminCert} is not signed by ${paths.caCert}`);
  if (!admin.checkPrivateKey(parseKey(material.adminKeyPem, paths.adminKey))) {
    throw new Error(`pki: ${paths.adminKey} is not the key of ${paths.adminCert}`);
  }
  const serving = parseCertificate(material.servingCertPem, paths.servingCert);
  if (!serving.verify(ca.publicKey)) throw new Error(`pki: ${paths.servingCert} is not signed by ${paths.caCert}`);

  if (!serving.checkPrivateKey(parseKey(material.servingKeyPem, paths.servingKey))) return 'key mismatch';
  const missing = [
    ...names.dns.filter((host) => serving.checkHost(host, { subject: 'never' }) === undefined).map((h) => `DNS:${h}`),
    ...names.ips.filter((ip) => serving.checkIP(ip) === undefined).map((ip) => `IP:${ip}`),
  ];
  if (missing.length > 0) return `lacks ${missing.join(', ')}`;
  if (new Date(serving.validTo).getTime() - now.getTime() < SERVING_RENEW_BEFORE_MS) return 'near expiry';
  return undefined;
}

function parseCertificate(pem: string, file: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new Error(`pki: ${file} is not a PEM certificate: ${errorMessage(err)}`);
  }
}

function parseKey(pem: string, file: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (err) {
    throw new Error(`pki: ${file} is not a PEM private key: ${errorMessage(err)}`);
  }
}

/** leafValidity is one year from now, cut short where the CA expires first: a leaf outliving its CA fails verification anyway. */
function leafValidity(caCertPem: string, now: Date): Validity {
  const notBefore = new Date(now.getTime() - CLOCK_SKEW_MS);
  const caNotAfter = new Date(new X509Certificate(caCertPem).validTo);
  const notAfter = new Date(Math.min(now.getTime() + LEAF_VALIDITY_DAYS * DAY_MS, caNotAfter.getTime()));
  if (notAfter.getTime() <= now.getTime()) {
    throw new Error(`pki: the CA expired at ${caNotAfter.toISOString()}; remove the pki directory to make a new one`);
  }
  return { notBefore, notAfter };
}

async function newCertificateAuthority(commonName: string, now: Date): Promise<CertificateAndKey> {
  const x509 = loadX509();
  const keys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const usages = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature;
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: [{ CN: [commonName] }],
      notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
      notAfter: new Date(now.getTime() + CA_VALIDITY_DAYS * DAY_MS),
      keys,
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(usages, true),
        // Leaves name this in their AuthorityKeyIdentifier, the way verifiers find the issuer.
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, webcrypto),
      ],
    },
    webcrypto,
  );
  return { certPem: certificatePem(cert), keyPem: privateKeyPem(keys.privateKey) };
}

interface LeafRequest extends Validity {
  subject: CertificateSubject;
  extendedKeyUsage: string;
  altNames?: ServingNames;
}

async function signLeaf(ca: CertificateAuthority, leaf: LeafRequest): Promise<CertificateAndKey> {
  const x509 = loadX509();
  const caCert = new x509.X509Certificate(ca.caCertPem);
  const signingKey = await importSigningKey(ca.caKeyPem);
  const keys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const extensions: Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    // ECDSA keys only sign, so digitalSignature is the one usage that applies (no keyEncipherment).
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([leaf.extendedKeyUsage]),
  ];
  const caKeyId = caCert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  if (caKeyId !== undefined) extensions.push(new x509.AuthorityKeyIdentifierExtension(caKeyId));
  if (leaf.altNames !== undefined) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension([
        ...leaf.altNames.dns.map((value) => ({ type: 'dns' as const, value })),
        ...leaf.altNames.ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
    );
  }
  // Go's pkix order, O before CN, so the subject reads as kubeadm's certificates do.
  const subject = [
    ...(leaf.subject.organizations ?? []).map((o) => ({ O: [o] })),
    { CN: [leaf.subject.commonName] },
  ];
  const cert = await x509.X509CertificateGenerator.create(
    {
      subject,
      issuer: caCert.subjectName,
      notBefore: leaf.notBefore,
      notAfter: leaf.notAfter,
      publicKey: keys.publicKey,
      signingKey,
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions,
    },
    webcrypto,
  );
  return { certPem: certificatePem(cert), keyPem: privateKeyPem(keys.privateKey) };
}

/** importSigningKey accepts the CA key types kubeadm and openssl make (EC and RSA), so a CA brought from elsewhere can sign too. */
async function importSigningKey(keyPem: string): Promise<webcrypto.CryptoKey> {
  const key = createPrivateKey(keyPem);
  const der = key.export({ type: 'pkcs8', format: 'der' });
  let algorithm: webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams;
  if (key.asymmetricKeyType === 'rsa') {
    algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  } else if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const namedCurve = curve === undefined ? undefined : OPENSSL_CURVES[curve];
    if (namedCurve === undefined) throw new Error(`pki: CA key curve ${curve ?? 'unknown'} is not supported`);
    algorithm = { name: 'ECDSA', namedCurve };
  } else {
    throw new Error(`pki: CA key type ${key.asymmetricKeyType ?? 'unknown'} is not supported; use EC or RSA`);
  }
  return webcrypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign']);
}

function certificatePem(cert: PeculiarCertificate): string {
  // Normalised to LF with a final newline, like openssl and kubeadm write it.
  return `${cert.toString('pem').replace(/\r\n/g, '\n').trimEnd()}\n`;
}

function privateKeyPem(key: webcrypto.CryptoKey): string {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }).toString();
}

async function writeSynced(filePath: string, data: string, mode: number): Promise<void> {
  // 'wx' never reuses an existing file, which might have had looser permissions.
  const handle = await fs.open(filePath, 'wx', mode);
  try {
    await handle.chmod(mode); // the umask may have narrowed `mode`; the file gets exactly it
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch (err) {
    // Windows can neither open nor fsync a directory; its renames are durable without it.
    if (!isErrno(err, 'EISDIR', 'EPERM', 'EINVAL')) throw err;
  } finally {
    await handle?.close();
  }
}

function isErrno(err: unknown, ...codes: string[]): boolean {
  return err instanceof Error && codes.includes((err as NodeJS.ErrnoException).code ?? '');
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
