/**
 * CustomResourceDefinitions registered at run time, through the API, as with kube-apiserver:
 * the two real CRDs of test/fixtures/crds (cert-manager Certificate, prometheus-operator
 * ServiceMonitor) each go through what a user does with kubectl 1.35 — apply the CRD, wait for
 * Established, create, get with the printer columns, explain, patch, watch, delete the CRD — and
 * a small CRD of our own shows the `all` category and short names. Drop-in CRDs (the generator
 * path) are tested in dropin.test.ts.
 *
 * Expectations are kube-apiserver's (k8s.io/apiextensions-apiserver): customresource_handler.go
 * for serving, the finalizer controller and REST Delete for CRD deletion, tableconvertor for the
 * printer columns.
 */
import * as assert from 'node:assert/strict';
import { ensureClients } from '../clients/install';
import type { KubectlWatch } from '../clients/kubectl';
import { TestServer } from '../../support/server';
import { parseTable, rowNamed, type ListBody, type Manifest, type StatusBody } from '../kubectl/support';
import {
  applyCRDFile,
  apiFixturePath,
  causeAt,
  conditionOf,
  eventually,
  getCRD,
  invalidCauses,
  namespacedPath,
  readManifestFile,
  realCRDPath,
  sectionsOf,
  waitEstablished,
} from './support';

/** CLEANUP_FINALIZER is the finalizer kube-apiserver puts on a CRD being deleted. */
const CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';
/** HOLD_FINALIZER is ours: it keeps one object (and so its CRD) around while the test looks. */
const HOLD_FINALIZER = 'e2e.kapi.example.com/hold';
/** STRATEGIC_MERGE_REFUSED is kube-apiserver's 415 message for a patch type a custom resource does not take. */
const STRATEGIC_MERGE_REFUSED = 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml';
/** CR_VERBS are the verbs kube-apiserver lists for every custom resource. */
const CR_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const NAMESPACE = 'default';

/** RealKind describes what one real CRD's test expects of its kind. */
interface RealKind {
  crdFile: string;
  objectFile: string;
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  shortNames: string[];
  categories: string[];
  /** invalidSpec replaces the valid object's spec; expected lists the causes it must produce. */
  invalidSpec: Record<string, unknown>;
  expectedCauses: { field: string; reason: string }[];
  /** headers of `kubectl get` and `kubectl get -o wide`, from additionalPrinterColumns. */
  headers: string[];
  wideHeaders: string[];
  /** cells the valid object must show in `-o wide`. */
  wideCells: Record<string, string>;
  /** status written through the status subresource and the cells it must produce, if any. */
  status?: { body: Record<string, unknown>; cells: Record<string, string> };
  explain: { path: string; field: string; description: RegExp };
  mergePatch: Record<string, unknown>;
  afterMergePatch: (obj: Manifest) => unknown;
  mergeExpected: unknown;
  jsonPatch: unknown[];
  afterJsonPatch: (obj: Manifest) => unknown;
  jsonExpected: unknown;
}

const spec = (obj: Manifest) => obj.spec as Record<string, unknown>;

const REAL_KINDS: RealKind[] = [
  {
    crdFile: 'cert-manager.io_certificates.yaml',
    objectFile: 'certificate.yaml',
    group: 'cert-manager.io',
    version: 'v1',
    plural: 'certificates',
    singular: 'certificate',
    kind: 'Certificate',
    shortNames: ['cert', 'certs'],
    categories: ['cert-manager'],
    invalidSpec: { secretName: 7, privateKey: { algorithm: 'DSA' }, dnsNames: ['x.example.com'] },
    expectedCauses: [
      { field: 'spec.issuerRef', reason: 'FieldValueRequired' },
      { field: 'spec.privateKey.algorithm', reason: 'FieldValueNotSupported' },
      { field: 'spec.secretName', reason: 'FieldValueTypeInvalid' },
    ],
    headers: ['NAME', 'READY', 'SECRET', 'AGE'],
    wideHeaders: ['NAME', 'READY', 'SECRET', 'ISSUER', 'STATUS', 'AGE'],
    wideCells: { SECRET: 'web-tls', ISSUER: 'letsencrypt' },
    status: {
      body: { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: 'Certificate is up to date and has not expired' }] } },
      cells: { READY: 'True', STATUS: 'Certificate is up to date and has not expired' },
    },
    explain: { path: 'certificates.spec.secretName', field: 'FIELD: secretName <string>', description: /Name of the Secret resource that will be automatically created/ },
    mergePatch: { spec: { secretName: 'web-tls-renewed', duration: null } },
    afterMergePatch: (obj) => [spec(obj).secretName, spec(obj).duration],
    mergeExpected: ['web-tls-renewed', undefined],
    jsonPatch: [
      { op: 'test', path: '/spec/dnsNames/0', value: 'web.example.com' },
      { op: 'add', path: '/spec/dnsNames/-', value: 'api.example.com' },
    ],
    afterJsonPatch: (obj) => spec(obj).dnsNames,
    jsonExpected: ['web.example.com', 'www.example.com', 'api.example.com'],
  },
  {
    crdFile: 'monitoring.coreos.com_servicemonitors.yaml',
    objectFile: 'servicemonitor.yaml',
    group: 'monitoring.coreos.com',
    version: 'v1',
    plural: 'servicemonitors',
    singular: 'servicemonitor',
    kind: 'ServiceMonitor',
    shortNames: ['smon'],
    categories: ['prometheus-operator'],
    invalidSpec: { endpoints: [{ port: 'http', interval: 'thirty seconds', scheme: 'ftp' }] },
    expectedCauses: [
      { field: 'spec.selector', reason: 'FieldValueRequired' },
      { field: 'spec.endpoints[0].interval', reason: 'FieldValueInvalid' },
      { field: 'spec.endpoints[0].scheme', reason: 'FieldValueNotSupported' },
    ],
    // No additionalPrinterColumns: kube-apiserver prints the name and the age.
    headers: ['NAME', 'AGE'],
    wideHeaders: ['NAME', 'AGE'],
    wideCells: {},
    explain: { path: 'servicemonitors.spec.endpoints.interval', field: 'FIELD: interval <string>', description: /Interval at which Prometheus scrapes the metrics from the target/ },
    mergePatch: { spec: { jobLabel: 'app.kubernetes.io/name', namespaceSelector: null } },
    afterMergePatch: (obj) => [spec(obj).jobLabel, spec(obj).namespaceSelector],
    mergeExpected: ['app.kubernetes.io/name', undefined],
    jsonPatch: [{ op: 'replace', path: '/spec/endpoints/0/interval', value: '15s' }],
    afterJsonPatch: (obj) => (spec(obj).endpoints as Record<string, unknown>[])[0].interval,
    jsonExpected: '15s',
  },
];

/** WATCH_LINE_TIMEOUT_MS bounds the wait for one line of `kubectl get -w`. */
const WATCH_LINE_TIMEOUT_MS = 20_000;

/** nextWatchLine returns the next non-header line of a kubectl watch, or fails. */
async function nextWatchLine(lines: AsyncIterator<string>, watch: KubectlWatch): Promise<string> {
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), WATCH_LINE_TIMEOUT_MS)));
    const r = await Promise.race([lines.next(), timeout]);
    clearTimeout(timer);
    if (r === 'timeout') throw new Error(`kubectl get -w printed nothing for ${WATCH_LINE_TIMEOUT_MS} ms; stderr:\n${watch.stderr()}`);
    if (r.done) throw new Error(`kubectl get -w ended; stderr:\n${watch.stderr()}`);
    if (r.value.trim() !== '') return r.value;
  }
}

describe('CustomResourceDefinitions through the API, with the real CRDs and kubectl', function () {
  this.timeout(180_000);
  let server: TestServer;

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
  });

  after(async function () {
    await server?.dispose();
  });

  for (const k of REAL_KINDS) {
    const crdName = `${k.plural}.${k.group}`;
    const collection = namespacedPath(k.group, k.version, NAMESPACE, k.plural);
    const validObject = (name: string): Manifest => {
      const obj = readManifestFile(apiFixturePath(k.objectFile));
      obj.metadata.name = name;
      obj.metadata.namespace = NAMESPACE;
      return obj;
    };
    const getObject = async (name: string): Promise<Manifest> => {
      const res = await server.request('GET', `${collection}/${name}`);
      assert.equal(res.status, 200, res.body);
      return res.json<Manifest>();
    };

    describe(`${k.kind} (${crdName})`, function () {
      it('is Established after kubectl apply, with NamesAccepted, the accepted names and the stored version', async function () {
        await applyCRDFile(server, realCRDPath(k.crdFile));
        const crd = await getCRD(server, crdName);
        assert.deepEqual(
          [conditionOf(crd, 'NamesAccepted')?.status, conditionOf(crd, 'NamesAccepted')?.reason, conditionOf(crd, 'NamesAccepted')?.message],
          ['True', 'NoConflicts', 'no conflicts found'],
        );
        assert.deepEqual([conditionOf(crd, 'Established')?.status, conditionOf(crd, 'Established')?.reason], ['True', 'InitialNamesAccepted']);
        assert.deepEqual(crd.status?.acceptedNames, {
          plural: k.plural,
          singular: k.singular,
          kind: k.kind,
          listKind: `${k.kind}List`,
          shortNames: k.shortNames,
          categories: k.categories,
        });
        assert.deepEqual(crd.status?.storedVersions, [k.version]);
      });

      it('appears in legacy and aggregated discovery and in /openapi/v3 without a restart', async function () {
        const list = await server.request('GET', `/apis/${k.group}/${k.version}`);
        assert.equal(list.status, 200, list.body);
        const resources = list.json<{ resources: { name: string; singularName: string; namespaced: boolean; kind: string; verbs: string[]; shortNames?: string[]; categories?: string[] }[] }>().resources;
        const main = resources.find((r) => r.name === k.plural);
        assert.ok(main, JSON.stringify(resources));
        assert.deepEqual(
          { singularName: main.singularName, namespaced: main.namespaced, kind: main.kind, verbs: [...main.verbs].sort(), shortNames: main.shortNames, categories: main.categories },
          { singularName: k.singular, namespaced: true, kind: k.kind, verbs: CR_VERBS, shortNames: k.shortNames, categories: k.categories },
        );
        assert.ok(resources.some((r) => r.name === `${k.plural}/status`), `the status subresource is listed: ${JSON.stringify(resources.map((r) => r.name))}`);

        const aggregated = await server.request('GET', '/apis', { headers: { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' } });
        assert.equal(aggregated.status, 200, aggregated.body);
        const group = aggregated.json<{ items: { metadata: { name: string }; versions: { version: string; resources: { resource: string }[] }[] }[] }>().items.find((g) => g.metadata.name === k.group);
        assert.ok(group, `aggregated discovery lists ${k.group}`);
        assert.ok(group.versions.find((v) => v.version === k.version)?.resources.some((r) => r.resource === k.plural), JSON.stringify(group));

        const openapi = await server.request('GET', '/openapi/v3');
        assert.equal(openapi.status, 200, openapi.body);
        assert.ok(Object.keys(openapi.json<{ paths: Record<string, unknown> }>().paths).includes(`apis/${k.group}/${k.version}`), 'the /openapi/v3 index lists the group-version');

        const out = await server.kubectl.run(['api-resources', `--api-group=${k.group}`, '-o', 'name']);
        assert.deepEqual(out.stdout.trim().split('\n'), [`${k.plural}.${k.group}`]);
      });

      it('creates a valid object with kubectl apply and reads it back by short name', async function () {
        await server.kubectl.run(['apply', '-f', '-'], { input: JSON.stringify(validObject('web')) });
        for (const name of [...k.shortNames, k.singular, k.plural, `${k.plural}.${k.group}`]) {
          const got = await server.kubectl.json<Manifest>(['get', name, 'web', '-n', NAMESPACE]);
          assert.equal(got.kind, k.kind, name);
          assert.equal(got.apiVersion, `${k.group}/${k.version}`, name);
          assert.deepEqual(got.spec, validObject('web').spec, `${name}: the object as written`);
        }
      });

      it('refuses an invalid object with 422, naming every bad field in details.causes', async function () {
        const obj = validObject('invalid');
        obj.spec = k.invalidSpec;
        const res = await server.request('POST', collection, { body: obj });
        const causes = invalidCauses(res);
        const status = res.json<StatusBody>();
        assert.deepEqual([status.details?.group, status.details?.kind, status.details?.name], [k.group, k.kind, 'invalid']);
        assert.match(status.message, new RegExp(`^${k.kind}\\.${k.group.replace(/\./g, '\\.')} "invalid" is invalid: `));
        for (const c of k.expectedCauses) causeAt(causes, c.field, c.reason);
        const missing = await server.request('GET', `${collection}/invalid`);
        assert.equal(missing.status, 404, 'nothing was stored');
        // kubectl shows the same refusal to the user.
        const run = await server.kubectl.run(['create', '-f', '-'], { input: JSON.stringify(obj), allowFailure: true });
        assert.notEqual(run.code, 0);
        assert.ok(run.stderr.includes(`The ${k.kind} "invalid" is invalid:`), run.stderr);
        for (const c of k.expectedCauses) assert.ok(run.stderr.includes(`* ${c.field}: `), `${c.field} in:\n${run.stderr}`);
      });

      it('prints the additionalPrinterColumns as kubectl get columns, the priority-1 ones only with -o wide', async function () {
        const plain = parseTable((await server.kubectl.run(['get', k.plural, '-n', NAMESPACE])).stdout);
        assert.deepEqual(plain.headers, k.headers);
        rowNamed(plain, 'web');
        const wide = parseTable((await server.kubectl.run(['get', k.plural, '-n', NAMESPACE, '-o', 'wide'])).stdout);
        assert.deepEqual(wide.headers, k.wideHeaders);
        const row = rowNamed(wide, 'web');
        for (const [header, cell] of Object.entries(k.wideCells)) assert.equal(row[header], cell, `${header} in ${JSON.stringify(row)}`);
        if (!k.status) return;
        // Columns whose JSONPath filters the status conditions fill in once a status is written.
        const res = await server.request('PATCH', `${collection}/web/status`, { body: k.status.body, headers: { 'content-type': 'application/merge-patch+json' } });
        assert.equal(res.status, 200, res.body);
        const after = rowNamed(parseTable((await server.kubectl.run(['get', k.plural, 'web', '-n', NAMESPACE, '-o', 'wide'])).stdout), 'web');
        for (const [header, cell] of Object.entries(k.status.cells)) assert.equal(after[header], cell, `${header} in ${JSON.stringify(after)}`);
      });

      it('explains a field with kubectl explain, from the schema published in /openapi/v3', async function () {
        const out = await server.kubectl.run(['explain', k.explain.path]);
        assert.match(out.stdout, new RegExp(`^GROUP:\\s+${k.group.replace(/\./g, '\\.')}$`, 'm'));
        assert.match(out.stdout, new RegExp(`^KIND:\\s+${k.kind}$`, 'm'));
        assert.match(out.stdout, new RegExp(`^VERSION:\\s+${k.version}$`, 'm'));
        assert.ok(out.stdout.includes(k.explain.field), out.stdout);
        assert.match(out.stdout, k.explain.description);
      });

      it('applies a merge patch (null removes a field) and a JSON patch with kubectl patch', async function () {
        await server.kubectl.run(['patch', k.plural, 'web', '-n', NAMESPACE, '--type', 'merge', '-p', JSON.stringify(k.mergePatch)]);
        assert.deepEqual(k.afterMergePatch(await getObject('web')), k.mergeExpected);
        await server.kubectl.run(['patch', k.plural, 'web', '-n', NAMESPACE, '--type', 'json', '-p', JSON.stringify(k.jsonPatch)]);
        assert.deepEqual(k.afterJsonPatch(await getObject('web')), k.jsonExpected);
      });

      it('creates and updates an object with kubectl apply --server-side', async function () {
        const obj = validObject('applied');
        await server.kubectl.run(['apply', '--server-side', '-f', '-'], { input: JSON.stringify(obj) });
        const changed = { ...obj, metadata: { ...obj.metadata, labels: { applied: 'twice' } } };
        await server.kubectl.run(['apply', '--server-side', '-f', '-'], { input: JSON.stringify(changed) });
        const got = await getObject('applied');
        assert.deepEqual(got.metadata.labels, { applied: 'twice' });
        assert.deepEqual(got.spec, obj.spec);
        const managers = (got.metadata.managedFields as { manager: string; operation: string }[]).map((m) => `${m.manager}/${m.operation}`);
        assert.deepEqual(managers, ['kubectl/Apply']);
        // Only "web" stays for the watch and deletion tests below.
        assert.equal((await server.request('DELETE', `${collection}/applied`)).status, 200);
      });

      it('refuses a strategic merge patch with 415 UnsupportedMediaType, as kube-apiserver does for custom resources', async function () {
        const before = await getObject('web');
        const res = await server.request('PATCH', `${collection}/web`, {
          body: { metadata: { labels: { smp: 'yes' } } },
          headers: { 'content-type': 'application/strategic-merge-patch+json' },
        });
        assert.equal(res.status, 415, res.body);
        const status = res.json<StatusBody>();
        assert.deepEqual([status.kind, status.reason, status.code, status.message], ['Status', 'UnsupportedMediaType', 415, STRATEGIC_MERGE_REFUSED]);
        // kubectl patch defaults to a strategic merge patch and reports the refusal in its own words.
        const run = await server.kubectl.run(['patch', k.plural, 'web', '-n', NAMESPACE, '-p', '{"metadata":{"labels":{"smp":"yes"}}}'], { allowFailure: true });
        assert.notEqual(run.code, 0);
        assert.ok(run.stderr.includes(`application/strategic-merge-patch+json is not supported by ${k.group}/${k.version}, Kind=${k.kind}: ${STRATEGIC_MERGE_REFUSED}`), run.stderr);
        assert.equal((await getObject('web')).metadata.resourceVersion, before.metadata.resourceVersion, 'the object is unchanged');
      });

      it('streams ADDED, MODIFIED and DELETED to kubectl get -w, with the printer columns', async function () {
        const watch = server.kubectl.spawnWatch(['get', k.plural, '-n', NAMESPACE, '-w', '--output-watch-events']);
        try {
          const lines = watch.lines[Symbol.asyncIterator]();
          const header = await nextWatchLine(lines, watch);
          assert.deepEqual(header.trim().split(/\s{2,}/), ['EVENT', ...k.headers]);
          // The object that exists comes from the initial list: the watch starts after it.
          assert.deepEqual((await nextWatchLine(lines, watch)).trim().split(/\s+/).slice(0, 2), ['ADDED', 'web']);

          const created = await server.request('POST', collection, { body: validObject('watched') });
          assert.equal(created.status, 201, created.body);
          const labelled = await server.request('PATCH', `${collection}/watched`, { body: { metadata: { labels: { watched: 'yes' } } }, headers: { 'content-type': 'application/merge-patch+json' } });
          assert.equal(labelled.status, 200, labelled.body);
          const deleted = await server.request('DELETE', `${collection}/watched`);
          assert.equal(deleted.status, 200, deleted.body);

          const events: string[] = [];
          while (events[events.length - 1] !== 'DELETED') {
            const [event, name] = (await nextWatchLine(lines, watch)).trim().split(/\s+/);
            assert.equal(name, 'watched', 'only "watched" changed after the list');
            events.push(event);
          }
          assert.deepEqual(events, ['ADDED', 'MODIFIED', 'DELETED']);
        } finally {
          await watch.stop();
        }
      });

      it('lists the kind under its categories (and not under all)', async function () {
        for (const category of k.categories) {
          const out = await server.kubectl.run(['get', category, '-n', NAMESPACE, '-o', 'name']);
          assert.ok(out.stdout.split('\n').includes(`${k.singular}.${k.group}/web`), `kubectl get ${category}:\n${out.stdout}`);
        }
        const all = await server.kubectl.run(['get', 'all', '-n', NAMESPACE, '-o', 'name']);
        assert.ok(!all.stdout.includes(`${k.singular}.${k.group}/`), `${k.kind} is not in the all category:\n${all.stdout}`);
      });

      it('keeps a deleted CRD Terminating, with the cleanup finalizer, until its objects are gone', async function () {
        const held = await server.request('PATCH', `${collection}/web`, { body: { metadata: { finalizers: [HOLD_FINALIZER] } }, headers: { 'content-type': 'application/merge-patch+json' } });
        assert.equal(held.status, 200, held.body);
        await server.kubectl.run(['delete', 'crd', crdName, '--wait=false']);

        const crd = await getCRD(server, crdName);
        assert.ok(crd.metadata.deletionTimestamp, 'the CRD is being deleted');
        assert.ok(((crd.metadata.finalizers as string[] | undefined) ?? []).includes(CLEANUP_FINALIZER), JSON.stringify(crd.metadata.finalizers));
        assert.equal(conditionOf(crd, 'Terminating')?.status, 'True', JSON.stringify(crd.status?.conditions));
        // The finalizer controller deletes every object; ours stays, held by its own finalizer.
        const web = await eventually(async () => {
          const obj = await getObject('web');
          assert.ok(obj.metadata.deletionTimestamp, 'the object is being deleted');
          return obj;
        });
        assert.deepEqual(web.metadata.finalizers, [HOLD_FINALIZER]);
        const stillThere = await getCRD(server, crdName);
        assert.ok(((stillThere.metadata.finalizers as string[] | undefined) ?? []).includes(CLEANUP_FINALIZER), 'the CRD waits for the held object');
        // Reads are still served while the CRD terminates.
        const list = await server.request('GET', collection);
        assert.equal(list.status, 200, list.body);
        assert.deepEqual(list.json<ListBody>().items.map((i) => i.metadata.name), ['web']);
      });

      it('refuses creating an object while its CRD is terminating (403 Forbidden)', async function () {
        const res = await server.request('POST', collection, { body: validObject('late') });
        assert.equal(res.status, 403, res.body);
        const status = res.json<StatusBody>();
        assert.equal(status.reason, 'Forbidden');
        assert.equal(status.message, `${k.plural}.${k.group} "late" is forbidden: create not allowed while custom resource definition is terminating`);
      });

      it('deletes the CRD once its last object is released, and drops it from discovery', async function () {
        const released = await server.request('PATCH', `${collection}/web`, { body: [{ op: 'remove', path: '/metadata/finalizers' }], headers: { 'content-type': 'application/json-patch+json' } });
        assert.equal(released.status, 200, released.body);
        await server.kubectl.run(['wait', '--for=delete', `crd/${crdName}`, '--timeout=30s']);

        const gone = await server.request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crdName}`);
        assert.equal(gone.status, 404, gone.body);
        await eventually(async () => {
          assert.equal((await server.request('GET', `/apis/${k.group}/${k.version}`)).status, 404, 'the group-version is gone');
          assert.equal((await server.request('GET', `/apis/${k.group}`)).status, 404, 'the group is gone');
          assert.equal((await server.request('GET', collection)).status, 404, 'the resource is not served');
        });
        const groups = (await server.request('GET', '/apis')).json<{ groups: { name: string }[] }>().groups.map((g) => g.name);
        assert.ok(!groups.includes(k.group), groups.join(' '));
        const aggregated = await server.request('GET', '/apis', { headers: { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' } });
        assert.ok(!aggregated.json<{ items: { metadata: { name: string } }[] }>().items.some((g) => g.metadata.name === k.group), 'aggregated discovery no longer lists the group');
        const openapi = (await server.request('GET', '/openapi/v3')).json<{ paths: Record<string, unknown> }>();
        assert.ok(!Object.keys(openapi.paths).includes(`apis/${k.group}/${k.version}`), '/openapi/v3 no longer lists the group-version');
        const out = await server.kubectl.run(['api-resources', `--api-group=${k.group}`, '-o', 'name']);
        assert.equal(out.stdout.trim(), '', out.stdout);
      });

      it('leaves no object behind: the same CRD applied again starts empty', async function () {
        await applyCRDFile(server, realCRDPath(k.crdFile));
        const list = await server.request('GET', `/apis/${k.group}/${k.version}/${k.plural}`);
        assert.equal(list.status, 200, list.body);
        assert.deepEqual(list.json<ListBody>().items, []);
        await server.kubectl.run(['delete', 'crd', crdName, '--timeout=30s']);
      });
    });
  }

  describe('a CRD of our own in the all category, with short names', function () {
    const crdName = 'gadgets.e2e.kapi.example.com';

    before(async function () {
      await applyCRDFile(server, apiFixturePath('gadgets.yaml'));
      for (const [name, size, color] of [['blue-one', 1, 'blue'], ['red-two', 2, 'red']] as const) {
        const res = await server.request('POST', namespacedPath('e2e.kapi.example.com', 'v1', NAMESPACE, 'gadgets'), {
          body: { apiVersion: 'e2e.kapi.example.com/v1', kind: 'Gadget', metadata: { name }, spec: { size, color, enabled: size === 1 } },
        });
        assert.equal(res.status, 201, res.body);
      }
      // kubectl expands categories from its discovery cache (--cache-dir), as it would against
      // kube-apiserver; api-resources refreshes that cache, as a user would after adding a CRD.
      await server.kubectl.run(['api-resources', '-o', 'name']);
    });

    it('is listed by kubectl get all beside the built-in kinds, with its own columns', async function () {
      const out = await server.kubectl.run(['get', 'all', '-n', NAMESPACE]);
      const section = sectionsOf(out.stdout).find((s) => s.includes('gadget.e2e.kapi.example.com/'));
      assert.ok(section, `kubectl get all lists the gadgets:\n${out.stdout}`);
      const table = parseTable(section);
      assert.deepEqual(table.headers, ['NAME', 'SIZE', 'COLOR', 'AGE']);
      assert.deepEqual(
        table.rows.map((r) => [r.NAME, r.SIZE, r.COLOR]),
        [
          ['gadget.e2e.kapi.example.com/blue-one', '1', 'blue'],
          ['gadget.e2e.kapi.example.com/red-two', '2', 'red'],
        ],
      );
      assert.ok(sectionsOf(out.stdout).some((s) => s.includes('service/kubernetes')), 'the built-in kinds of all are there too');
      const names = (await server.kubectl.run(['get', 'all', '-A', '-o', 'name'])).stdout.split('\n');
      assert.ok(names.includes('gadget.e2e.kapi.example.com/blue-one'), names.join('\n'));
    });

    it('is listed under its other category', async function () {
      const out = await server.kubectl.run(['get', 'kapi-e2e', '-n', NAMESPACE, '-o', 'name']);
      assert.deepEqual(out.stdout.trim().split('\n'), ['gadget.e2e.kapi.example.com/blue-one', 'gadget.e2e.kapi.example.com/red-two']);
    });

    it('answers to each short name, the singular and the kind', async function () {
      for (const name of ['gd', 'gdt', 'gadget', 'Gadget', 'gadgets.e2e.kapi.example.com']) {
        const out = await server.kubectl.run(['get', name, '-n', NAMESPACE, '-o', 'name']);
        assert.deepEqual(out.stdout.trim().split('\n'), ['gadget.e2e.kapi.example.com/blue-one', 'gadget.e2e.kapi.example.com/red-two'], name);
      }
      const wide = parseTable((await server.kubectl.run(['get', 'gd', 'blue-one', '-n', NAMESPACE, '-o', 'wide'])).stdout);
      assert.deepEqual(wide.headers, ['NAME', 'SIZE', 'COLOR', 'ENABLED', 'AGE']);
      assert.equal(rowNamed(wide, 'blue-one').ENABLED, 'true');
    });

    it('is deleted with its objects by kubectl delete crd (which waits)', async function () {
      await server.kubectl.run(['delete', 'crd', crdName, '--timeout=30s']);
      const crd = await server.request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crdName}`);
      assert.equal(crd.status, 404, crd.body);
      await applyCRDFile(server, apiFixturePath('gadgets.yaml'));
      await waitEstablished(server, crdName);
      const list = await server.request('GET', '/apis/e2e.kapi.example.com/v1/gadgets');
      assert.deepEqual(list.json<ListBody>().items, [], 'the objects were deleted, not just hidden');
    });
  });
});

