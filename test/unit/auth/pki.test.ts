import * as assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { parse } from 'yaml';
import { renderKubeconfig, writeKubeconfig } from '../../../src/auth/kubeconfig';
import {
  CertificateAndKey,
  createCertificateAuthority,
  ensurePki,
  issueClientCertificate,
  Pki,
  pkiPaths,
} from '../../../src/auth/pki';

const SERVER_AUTH_OID = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';
const DAY_MS = 24 * 60 * 60 * 1000;
const PEM_FIELDS = ['caCertPem', 'caKeyPem', 'servingCertPem', 'servingKeyPem', 'adminCertPem', 'adminKeyPem'] as const;

async function mode(file: string): Promise<number> {
  return (await fs.stat(file)).mode & 0o777;
}

function cert(pem: string): X509Certificate {
  return new X509Certificate(pem);
}

describe('auth/pki', function () {
  // Key generation is fast, but the first test also pays for loading @peculiar/x509.
  this.timeout(10_000);
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'kapi-pki-'));
  });
  afterEach(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  function ensure(extra: { hosts?: string[]; ips?: string[]; now?: () => Date } = {}): Promise<Pki> {
    return ensurePki({ dataDir, hosts: extra.hosts ?? [], ips: extra.ips ?? [], now: extra.now });
  }

  describe('ensurePki', () => {
    it('creates the CA, serving and admin pairs with private-key file modes', async () => {
      const pki = await ensure();
      assert.equal(pki.origin, 'created');
      assert.deepEqual(pki.paths, pkiPaths(dataDir));
      assert.equal(await mode(pki.paths.dir), 0o700);
      for (const key of [pki.paths.caKey, pki.paths.servingKey, pki.paths.adminKey]) {
        assert.equal(await mode(key), 0o600, key);
        assert.match(await fs.readFile(key, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
      }
      for (const crt of [pki.paths.caCert, pki.paths.servingCert, pki.paths.adminCert]) {
        assert.equal(await mode(crt), 0o644, crt);
        assert.match(await fs.readFile(crt, 'utf8'), /^-----BEGIN CERTIFICATE-----\n[^]*-----END CERTIFICATE-----\n$/);
      }
      assert.deepEqual((await fs.readdir(pki.paths.dir)).sort(), [
        'admin.crt', 'admin.key', 'apiserver.crt', 'apiserver.key', 'ca.crt', 'ca.key',
      ]);
      // No staging directory or temp file is left behind.
      assert.deepEqual(await fs.readdir(dataDir), ['pki']);
    });

    it('loads the same material byte-for-byte on the next start', async () => {
      const first = await ensure({ hosts: ['kapi.example.com'], ips: ['10.0.0.7'] });
      const second = await ensure({ hosts: ['kapi.example.com'], ips: ['10.0.0.7'] });
      assert.equal(second.origin, 'loaded');
      for (const field of PEM_FIELDS) assert.equal(second[field], first[field], field);
      assert.equal(second.caKeyPem, await fs.readFile(second.paths.caKey, 'utf8'));
    });

    it('refuses a partial set, naming the missing files, instead of overwriting the rest', async () => {
      const pki = await ensure();
      await fs.rm(pki.paths.adminKey);
      await fs.rm(pki.paths.servingCert);
      await assert.rejects(ensure(), (err: Error) => {
        assert.match(err.message, /incomplete/);
        assert.match(err.message, /apiserver\.crt/);
        assert.match(err.message, /admin\.key/);
        assert.doesNotMatch(err.message, /ca\.crt|ca\.key/);
        return true;
      });
      assert.equal(await fs.readFile(pki.paths.caKey, 'utf8'), pki.caKeyPem);
      assert.equal(await fs.readFile(pki.paths.adminCert, 'utf8'), pki.adminCertPem);
    });

    it('makes a self-signed ten-year CA', async () => {
      const pki = await ensure();
      const ca = cert(pki.caCertPem);
      assert.equal(ca.ca, true);
      assert.equal(ca.subject, 'CN=kapi-ca');
      assert.equal(ca.issuer, 'CN=kapi-ca');
      assert.ok(ca.verify(ca.publicKey));
      assert.ok(ca.checkPrivateKey(createPrivateKey(pki.caKeyPem)));
      assert.equal(ca.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
      const lifetimeDays = (Date.parse(ca.validTo) - Date.now()) / DAY_MS;
      assert.ok(lifetimeDays > 3649 && lifetimeDays <= 3650, `CA lifetime ${lifetimeDays} days`);
    });

    it('issues a serving certificate the CA verifies, with the kubernetes SANs and the requested ones', async () => {
      const pki = await ensure({ hosts: ['kapi.example.com', '192.0.2.10'], ips: ['10.0.0.7', 'fd00::7'] });
      const ca = cert(pki.caCertPem);
      const serving = cert(pki.servingCertPem);
      assert.ok(serving.verify(ca.publicKey));
      assert.ok(serving.checkIssued(ca));
      assert.equal(serving.ca, false);
      assert.equal(serving.subject, 'CN=kapi-apiserver');
      assert.deepEqual(serving.keyUsage, [SERVER_AUTH_OID]);
      assert.ok(serving.checkPrivateKey(createPrivateKey(pki.servingKeyPem)));
      const sans = serving.subjectAltName?.split(', ') ?? [];
      for (const name of [
        'DNS:localhost',
        'DNS:kubernetes',
        'DNS:kubernetes.default',
        'DNS:kubernetes.default.svc',
        'DNS:kubernetes.default.svc.cluster.local',
        'DNS:kapi.example.com',
        'IP Address:127.0.0.1',
        'IP Address:10.0.0.7',
        'IP Address:192.0.2.10', // an IP given as a host is an IP SAN, not a DNS one
      ]) {
        assert.ok(sans.includes(name), `${name} in ${serving.subjectAltName}`);
      }
      assert.ok(!sans.includes('DNS:192.0.2.10'));
      assert.equal(serving.checkIP('127.0.0.1'), '127.0.0.1');
      assert.equal(serving.checkIP('::1'), '::1');
      assert.equal(serving.checkIP('fd00::7'), 'fd00::7');
      assert.equal(serving.checkHost('localhost'), 'localhost');
      assert.equal(serving.checkHost('kubernetes.default.svc'), 'kubernetes.default.svc');
      assert.equal(serving.checkHost('elsewhere.example.com'), undefined);
      const lifetimeDays = (Date.parse(serving.validTo) - Date.now()) / DAY_MS;
      assert.ok(lifetimeDays > 364 && lifetimeDays <= 365, `serving lifetime ${lifetimeDays} days`);
    });

    it('issues an admin client certificate in group system:masters', async () => {
      const pki = await ensure();
      const admin = cert(pki.adminCertPem);
      assert.ok(admin.verify(cert(pki.caCertPem).publicKey));
      assert.equal(admin.subject, 'O=system:masters\nCN=kubernetes-admin');
      assert.deepEqual(admin.keyUsage, [CLIENT_AUTH_OID]);
      assert.ok(admin.checkPrivateKey(createPrivateKey(pki.adminKeyPem)));
    });

    it('re-issues only the serving certificate, from the same CA, when a new IP is asked for', async () => {
      const first = await ensure({ ips: ['10.0.0.7'] });
      const second = await ensure({ ips: ['10.0.0.7', '10.0.0.8'] });
      assert.equal(second.origin, 'serving-reissued');
      assert.match(second.servingReissuedBecause ?? '', /IP:10\.0\.0\.8/);
      assert.equal(second.caCertPem, first.caCertPem);
      assert.equal(second.caKeyPem, first.caKeyPem);
      assert.equal(second.adminCertPem, first.adminCertPem);
      assert.equal(second.adminKeyPem, first.adminKeyPem);
      assert.notEqual(second.servingCertPem, first.servingCertPem);
      const serving = cert(second.servingCertPem);
      assert.ok(serving.verify(cert(first.caCertPem).publicKey));
      assert.equal(serving.checkIP('10.0.0.7'), '10.0.0.7');
      assert.equal(serving.checkIP('10.0.0.8'), '10.0.0.8');
      assert.equal(await fs.readFile(second.paths.servingCert, 'utf8'), second.servingCertPem);
      assert.equal(await fs.readFile(second.paths.servingKey, 'utf8'), second.servingKeyPem);
      assert.equal(await mode(second.paths.servingKey), 0o600);
      // Asking for less than the cert has is no reason to re-issue.
      const third = await ensure({ ips: ['10.0.0.8'] });
      assert.equal(third.origin, 'loaded');
      assert.equal(third.servingCertPem, second.servingCertPem);
    });

    it('re-issues the serving certificate when a start comes near its expiry', async () => {
      const first = await ensure();
      const later = new Date(Date.now() + 350 * DAY_MS);
      const second = await ensure({ now: () => later });
      assert.equal(second.origin, 'serving-reissued');
      assert.equal(second.adminCertPem, first.adminCertPem);
      assert.ok(Date.parse(cert(second.servingCertPem).validTo) > Date.parse(cert(first.servingCertPem).validTo));
    });

    it('re-issues a serving certificate whose key no longer matches (a crash between its two renames)', async () => {
      const first = await ensure();
      const stray = await issueClientCertificate(first, { commonName: 'stray' });
      await fs.writeFile(first.paths.servingKey, stray.keyPem);
      const second = await ensure();
      assert.equal(second.origin, 'serving-reissued');
      assert.ok(cert(second.servingCertPem).checkPrivateKey(createPrivateKey(second.servingKeyPem)));
    });

    it('refuses a set whose admin certificate another CA signed, rather than replacing it', async () => {
      const pki = await ensure();
      const other = await createCertificateAuthority('other-ca');
      const foreign = await issueClientCertificate(
        { caCertPem: other.certPem, caKeyPem: other.keyPem },
        { commonName: 'kubernetes-admin', organizations: ['system:masters'] },
      );
      await fs.writeFile(pki.paths.adminCert, foreign.certPem);
      await fs.writeFile(pki.paths.adminKey, foreign.keyPem);
      await assert.rejects(ensure(), /admin\.crt is not signed by .*ca\.crt/);
    });

    it('refuses a CA certificate whose key is not its own', async () => {
      const pki = await ensure();
      const other = await createCertificateAuthority('other-ca');
      await fs.writeFile(pki.paths.caKey, other.keyPem);
      await assert.rejects(ensure(), /ca\.key is not the key of .*ca\.crt/);
    });

    it('creates the set next to unrelated files already in the pki directory, leaving them alone', async () => {
      const { dir } = pkiPaths(dataDir);
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(path.join(dir, 'sa.pub'), 'keep me');
      const pki = await ensure();
      assert.equal(pki.origin, 'created');
      assert.equal(await fs.readFile(path.join(dir, 'sa.pub'), 'utf8'), 'keep me');
      assert.equal(await fs.readFile(pki.paths.caCert, 'utf8'), pki.caCertPem);
      assert.equal(await mode(pki.paths.caKey), 0o600);
      assert.equal((await ensure()).origin, 'loaded');
    });

    it('refuses an ips entry that is not an IP address', async () => {
      await assert.rejects(ensure({ ips: ['kapi.example.com'] }), /not an IP address/);
      await assert.rejects(fs.stat(pkiPaths(dataDir).dir), { code: 'ENOENT' });
    });
  });

  describe('issueClientCertificate', () => {
    it('issues a certificate for a user and its groups that the CA verifies', async () => {
      const pki = await ensure();
      const alice = await issueClientCertificate(pki, { commonName: 'alice', organizations: ['dev'] });
      const crt = cert(alice.certPem);
      assert.ok(crt.verify(cert(pki.caCertPem).publicKey));
      assert.equal(crt.subject, 'O=dev\nCN=alice');
      assert.deepEqual(crt.keyUsage, [CLIENT_AUTH_OID]);
      assert.ok(crt.checkPrivateKey(createPrivateKey(alice.keyPem)));
    });

    it('honours an explicit validity window, for certificates that are already expired', async () => {
      const pki = await ensure();
      const notBefore = new Date('2020-01-01T00:00:00Z');
      const notAfter = new Date('2020-01-02T00:00:00Z');
      const old = cert((await issueClientCertificate(pki, { commonName: 'old' }, { notBefore, notAfter })).certPem);
      assert.equal(Date.parse(old.validFrom), notBefore.getTime());
      assert.equal(Date.parse(old.validTo), notAfter.getTime());
      await assert.rejects(issueClientCertificate(pki, { commonName: 'x' }, { notBefore: notAfter, notAfter: notBefore }));
    });

    it('makes certificates from another CA that do not verify against ours', async () => {
      const pki = await ensure();
      const other = await createCertificateAuthority('other-ca');
      const mallory = await issueClientCertificate(
        { caCertPem: other.certPem, caKeyPem: other.keyPem },
        { commonName: 'mallory', organizations: ['system:masters'] },
      );
      const crt = cert(mallory.certPem);
      assert.ok(crt.verify(cert(other.certPem).publicKey));
      assert.ok(!crt.verify(cert(pki.caCertPem).publicKey));
      assert.ok(!crt.checkIssued(cert(pki.caCertPem)));
    });
  });

  describe('TLS handshake', () => {
    interface PeerSeen {
      authorized: boolean;
      authorizationError?: string;
      subject?: Record<string, string | string[]>;
    }

    let pki: Pki;
    let server: https.Server;
    let port: number;

    beforeEach(async () => {
      pki = await ensure();
      server = https.createServer(
        { key: pki.servingKeyPem, cert: pki.servingCertPem, ca: pki.caCertPem, requestCert: true, rejectUnauthorized: false },
        (req, res) => {
          const socket = req.socket as TLSSocket;
          const peer = socket.getPeerCertificate();
          const seen: PeerSeen = {
            authorized: socket.authorized,
            authorizationError: socket.authorizationError?.toString(),
            subject: peer.subject as unknown as PeerSeen['subject'],
          };
          res.end(JSON.stringify(seen));
        },
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterEach(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    /** call connects to 127.0.0.1 presenting `client`, checking the server against our CA under `servername`. */
    function call(client: CertificateAndKey, servername?: string): Promise<PeerSeen> {
      return new Promise((resolve, reject) => {
        const req = https.request(
          { host: '127.0.0.1', port, path: '/', servername, ca: pki.caCertPem, cert: client.certPem, key: client.keyPem, agent: false },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (body += chunk));
            res.on('end', () => resolve(JSON.parse(body) as PeerSeen));
          },
        );
        req.on('error', reject);
        req.end();
      });
    }

    it('authenticates the admin certificate and shows its CN and O', async () => {
      const seen = await call({ certPem: pki.adminCertPem, keyPem: pki.adminKeyPem });
      assert.equal(seen.authorized, true);
      assert.equal(seen.subject?.CN, 'kubernetes-admin');
      assert.equal(seen.subject?.O, 'system:masters');
    });

    it('lets a client verify the server under its in-cluster DNS name', async () => {
      const seen = await call({ certPem: pki.adminCertPem, keyPem: pki.adminKeyPem }, 'kubernetes.default.svc');
      assert.equal(seen.authorized, true);
    });

    it('carries every group of an issued certificate', async () => {
      const alice = await issueClientCertificate(pki, { commonName: 'alice', organizations: ['dev', 'qa'] });
      const seen = await call(alice);
      assert.equal(seen.authorized, true);
      assert.equal(seen.subject?.CN, 'alice');
      assert.deepEqual(seen.subject?.O, ['dev', 'qa']);
    });

    it('does not authorize a client certificate from another CA', async () => {
      const other = await createCertificateAuthority('other-ca');
      const mallory = await issueClientCertificate(
        { caCertPem: other.certPem, caKeyPem: other.keyPem },
        { commonName: 'kubernetes-admin', organizations: ['system:masters'] },
      );
      const seen = await call(mallory);
      assert.equal(seen.authorized, false);
      assert.ok(seen.authorizationError, 'the server names why the certificate was not trusted');
    });

    it('does not authorize an expired client certificate', async () => {
      const expired = await issueClientCertificate(
        pki,
        { commonName: 'old' },
        { notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2020-01-02T00:00:00Z') },
      );
      const seen = await call(expired);
      assert.equal(seen.authorized, false);
      assert.equal(seen.authorizationError, 'CERT_HAS_EXPIRED');
    });
  });

  describe('kubeconfig', () => {
    it('renders YAML that carries the CA and client certificate as base64 data', async () => {
      const pki = await ensure();
      const text = renderKubeconfig({
        server: 'https://127.0.0.1:6443',
        caPem: pki.caCertPem,
        certPem: pki.adminCertPem,
        keyPem: pki.adminKeyPem,
        user: 'kubernetes-admin',
        namespace: 'dev',
      });
      const config = parse(text) as {
        apiVersion: string;
        kind: string;
        clusters: { name: string; cluster: Record<string, string> }[];
        users: { name: string; user: Record<string, string> }[];
        contexts: { name: string; context: Record<string, string> }[];
        'current-context': string;
      };
      assert.equal(config.apiVersion, 'v1');
      assert.equal(config.kind, 'Config');
      assert.equal(config.clusters.length, 1);
      assert.equal(config.clusters[0].name, 'kapi');
      assert.equal(config.clusters[0].cluster.server, 'https://127.0.0.1:6443');
      const decode = (b64: string | undefined): string => Buffer.from(b64 ?? '', 'base64').toString('utf8');
      assert.equal(decode(config.clusters[0].cluster['certificate-authority-data']), pki.caCertPem);
      assert.equal(config.users[0].name, 'kubernetes-admin');
      assert.equal(decode(config.users[0].user['client-certificate-data']), pki.adminCertPem);
      assert.equal(decode(config.users[0].user['client-key-data']), pki.adminKeyPem);
      assert.deepEqual(config.contexts, [
        { name: 'kubernetes-admin@kapi', context: { cluster: 'kapi', user: 'kubernetes-admin', namespace: 'dev' } },
      ]);
      assert.equal(config['current-context'], 'kubernetes-admin@kapi');
    });

    it('renders a token user and refuses a certificate without its key', () => {
      const text = renderKubeconfig({ server: 'https://k:6443', caPem: 'CA', token: 'abc.def', user: 'bob', cluster: 'c', context: 'ctx' });
      const config = parse(text) as { users: { user: Record<string, string> }[]; 'current-context': string };
      assert.deepEqual(config.users[0].user, { token: 'abc.def' });
      assert.equal(config['current-context'], 'ctx');
      assert.throws(() => renderKubeconfig({ server: 'https://k', caPem: 'CA', certPem: 'C', user: 'u' }), /together/);
    });

    it('writes the kubeconfig owner-only, creating its directory', async () => {
      const file = path.join(dataDir, 'nested', 'admin.conf');
      const opts = { server: 'https://127.0.0.1:6443', caPem: 'CA', token: 't', user: 'u' };
      await writeKubeconfig(file, opts);
      assert.equal(await mode(file), 0o600);
      assert.equal(await fs.readFile(file, 'utf8'), renderKubeconfig(opts));
      await writeKubeconfig(file, { ...opts, token: 't2' });
      assert.match(await fs.readFile(file, 'utf8'), /token: t2/);
      assert.deepEqual(await fs.readdir(path.dirname(file)), ['admin.conf']);
    });
  });
});
