/**
 * The shape suite: for about a dozen common kinds, a minimal object created through the API reads
 * back equal to the object kube-apiserver 1.35 returns for the same input. The expected objects are
 * data files (test/fixtures/shapes/*.yaml), written by hand from the upstream defaulting rules,
 * create strategies and the admission plugins enabled by default (see the README there).
 *
 * Compared without uid, creationTimestamp, resourceVersion and managedFields; allocated values
 * (cluster IPs, node ports, the token volume's random suffix) are checked by range and replaced by
 * the fixture's placeholders before the comparison. The create response and a later GET must both
 * have the expected shape.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ensureClients, repositoryRoot } from '../clients/install';
import { TestServer } from '../../support/server';
import { isInCidr } from '../kubectl/support';
import { createNamespaceNamed, getJson, withoutServerFields, type Json } from '../writepath/support';

const SHAPES_DIR = path.join(repositoryRoot(), 'test', 'fixtures', 'shapes');
const NS = 'shapes';
const SERVICE_CIDR = '10.0.0.0/24';
const NODE_PORT_MIN = 30000;
const NODE_PORT_MAX = 32767;
/** TOKEN_VOLUME is upstream's kube-api-access-<5 chars of SimpleNameGenerator's alphabet>. */
const TOKEN_VOLUME = /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/;
const TOKEN_VOLUME_PLACEHOLDER = 'kube-api-access-<random>';

type Allocated = 'clusterIP' | 'nodePort' | 'serviceAccountTokenVolume';

interface ShapeFixture {
  path: string;
  input: Json;
  allocated: Allocated[];
  expected: Json;
}

function readShape(file: string): ShapeFixture {
  return parseYaml(fs.readFileSync(path.join(SHAPES_DIR, file), 'utf8')) as ShapeFixture;
}

/**
 * normalize checks the allocated values of a returned object and replaces them with the fixture's
 * placeholders, after dropping the fields every object gets fresh.
 */
function normalize(obj: Json, allocated: Allocated[]): Json {
  const copy = withoutServerFields(obj);
  if (allocated.includes('clusterIP')) {
    const ip = copy.spec?.clusterIP;
    assert.ok(typeof ip === 'string' && isInCidr(ip, SERVICE_CIDR), `spec.clusterIP ${ip} is not in ${SERVICE_CIDR}`);
    assert.deepEqual(copy.spec.clusterIPs, [ip], 'spec.clusterIPs holds the cluster IP');
    copy.spec.clusterIP = '<cluster-ip>';
    copy.spec.clusterIPs = ['<cluster-ip>'];
  }
  if (allocated.includes('nodePort')) {
    for (const port of (copy.spec?.ports ?? []) as Json[]) {
      assert.ok(
        Number.isInteger(port.nodePort) && port.nodePort >= NODE_PORT_MIN && port.nodePort <= NODE_PORT_MAX,
        `nodePort ${port.nodePort} is not in ${NODE_PORT_MIN}-${NODE_PORT_MAX}`,
      );
      port.nodePort = '<node-port>';
    }
  }
  if (allocated.includes('serviceAccountTokenVolume')) {
    const volumes = (copy.spec?.volumes ?? []) as Json[];
    const names = volumes.map((v) => v.name as string).filter((n) => TOKEN_VOLUME.test(n));
    assert.equal(names.length, 1, `one kube-api-access-<random> volume, got ${JSON.stringify(volumes.map((v) => v.name))}`);
    const rename = (o: Json) => {
      if (o.name === names[0]) o.name = TOKEN_VOLUME_PLACEHOLDER;
    };
    volumes.forEach(rename);
    for (const c of [...(copy.spec.initContainers ?? []), ...(copy.spec.containers ?? [])] as Json[]) (c.volumeMounts ?? []).forEach(rename);
  }
  return copy;
}

describe('shape suite: minimal objects read back as kube-apiserver returns them', function () {
  let server: TestServer;

  const files = fs
    .readdirSync(SHAPES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort();

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
    await createNamespaceNamed(server, NS);
  });

  after(async function () {
    await server?.dispose();
  });

  it('has a fixture for each common kind the suite covers', function () {
    assert.deepEqual(files, [
      'configmap.yaml',
      'daemonset.yaml',
      'deployment.yaml',
      'ingress.yaml',
      'namespace.yaml',
      'networkpolicy.yaml',
      'persistentvolumeclaim.yaml',
      'pod.yaml',
      'replicaset.yaml',
      'secret.yaml',
      'service-clusterip.yaml',
      'service-headless.yaml',
      'service-nodeport.yaml',
      'serviceaccount.yaml',
      'statefulset.yaml',
    ]);
  });

  for (const file of files) {
    const shape = readShape(file);
    const name = shape.input.metadata.name as string;

    it(`reads back ${file.replace(/\.yaml$/, '')} (${shape.input.kind} ${name}) with upstream's defaults and nothing else`, async function () {
      const res = await server.request('POST', shape.path, { body: shape.input });
      assert.equal(res.status, 201, res.body);
      assert.deepEqual(normalize(res.json<Json>(), shape.allocated), shape.expected, 'the create response');
      const stored = await getJson(server, `${shape.path}/${name}`);
      assert.deepEqual(normalize(stored, shape.allocated), shape.expected, 'the object read back');
    });
  }
});
