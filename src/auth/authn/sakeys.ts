/**
 * The service account token keys: kube-apiserver signs with --service-account-signing-key-file
 * and verifies with every key in --service-account-key-file. Without them kapi makes one RSA key
 * at first start, as kubeadm makes /etc/kubernetes/pki/sa.key and sa.pub, and uses it for both.
 */
import { X509Certificate, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../pki';

/** SA_KEY_BITS is kubeadm's size for sa.key. */
const SA_KEY_BITS = 2048;
const KEY_FILE_MODE = 0o600;
const PUBLIC_FILE_MODE = 0o644;

/** ServiceAccountKeys are the key that signs new tokens and the keys that verify presented ones. */
export interface ServiceAccountKeys {
  signingKey: KeyObject;
  verificationKeys: KeyObject[];
}

export interface ServiceAccountKeyOptions {
  dataDir: string;
  /** signingKeyFile is --service-account-signing-key-file. */
  signingKeyFile?: string;
  /** keyFiles is --service-account-key-file (PEM files of public keys, private keys or certificates). */
  keyFiles?: readonly string[];
}

/** loadServiceAccountKeys reads the configured keys, or the data dir's sa.key (made if missing). */
export async function loadServiceAccountKeys(opts: ServiceAccountKeyOptions): Promise<ServiceAccountKeys> {
  let signingKey: KeyObject;
  if (opts.signingKeyFile) {
    signingKey = readPrivateKey(opts.signingKeyFile);
  } else {
    signingKey = await ensureDataDirKey(opts.dataDir);
  }
  const verificationKeys: KeyObject[] = [createPublicKey(signingKey)];
  for (const file of opts.keyFiles ?? []) verificationKeys.push(...readPublicKeys(file));
  return { signingKey, verificationKeys };
}

/** ensureDataDirKey loads <dataDir>/pki/sa.key, writing a new key pair the first time. */
async function ensureDataDirKey(dataDir: string): Promise<KeyObject> {
  const dir = path.join(dataDir, 'pki');
  const keyFile = path.join(dir, 'sa.key');
  if (fs.existsSync(keyFile)) return readPrivateKey(keyFile);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: SA_KEY_BITS });
  await writeFileAtomic(path.join(dir, 'sa.pub'), publicKey.export({ format: 'pem', type: 'spki' }).toString(), PUBLIC_FILE_MODE);
  await writeFileAtomic(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), KEY_FILE_MODE);
  return privateKey;
}

function readPrivateKey(file: string): KeyObject {
  const pem = fs.readFileSync(file, 'utf8');
  try {
    return createPrivateKey(pem);
  } catch (e) {
    throw new Error(`failed to parse service account signing key file ${file}: ${(e as Error).message}`);
  }
}

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g;

/** readPublicKeys reads every key a PEM file holds, as upstream's keyutil.PublicKeysFromFile. */
export function readPublicKeys(file: string): KeyObject[] {
  const text = fs.readFileSync(file, 'utf8');
  const keys: KeyObject[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) {
    const [block, type] = m;
    if (type === 'CERTIFICATE') keys.push(new X509Certificate(block).publicKey);
    else if (type.endsWith('PRIVATE KEY')) keys.push(createPublicKey(createPrivateKey(block)));
    else if (type.endsWith('PUBLIC KEY')) keys.push(createPublicKey(block));
  }
  if (keys.length === 0) throw new Error(`data does not contain any valid RSA or ECDSA public keys: ${file}`);
  return keys;
}
