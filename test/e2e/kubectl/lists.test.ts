/**
 * List and watch semantics over HTTP, as client-go's reflectors and pagers rely on them:
 * limit/continue pagination, label and field selectors, watching from a list's resourceVersion,
 * streaming initial events with a bookmark, timeoutSeconds, the legacy /watch/ path, and refusing
 * unsupported field selectors out loud.
 */
import * as assert from 'node:assert/strict';
import { ensureClients } from '../clients/install';
import { TestServer } from '../../support/server';
import {
  compareResourceVersions,
  createNamespace,
  fixtureNamed,
  nextEvent,
  type ListBody,
  type Manifest,
  type StatusBody,
  type WatchEvent,
} from './support';

/** PAGED_OBJECTS is how many configmaps the pagination test pages through. */
const PAGED_OBJECTS = 25;
/** PAGE_SIZE is the limit per page: 25 objects take three pages (10, 10, 5). */
const PAGE_SIZE = 10;
/** STREAM_END_TIMEOUT_MS bounds the wait for a watch the server should end by itself. */
const STREAM_END_TIMEOUT_MS = 20_000;

describe('list and watch semantics over HTTP', function () {
  let server: TestServer;

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
  });

  after(async function () {
    await server?.dispose();
  });

  const configmaps = (ns: string) => `/api/v1/namespaces/${ns}/configmaps`;

  async function createConfigMap(ns: string, name: string, labels?: Record<string, string>): Promise<Manifest> {
    const body = fixtureNamed('configmap.yaml', name, ns);
    body.metadata.labels = labels;
    const res = await server.request('POST', configmaps(ns), { body });
    assert.equal(res.status, 201, res.body);
    return res.json<Manifest>();
  }

  async function list(urlPath: string): Promise<ListBody> {
    const res = await server.request('GET', urlPath);
    assert.equal(res.status, 200, `GET ${urlPath}: ${res.body}`);
    return res.json<ListBody>();
  }

  async function names(ns: string, query: string): Promise<string[]> {
    return (await list(`${configmaps(ns)}?${query}`)).items.map((i) => i.metadata.name).sort();
  }

  describe('pagination', function () {
    it(`returns each of ${PAGED_OBJECTS} configmaps exactly once across limit+continue pages`, async function () {
      const ns = 'lists-paging';
      await createNamespace(server, ns);
      const expected: string[] = [];
      for (let i = 0; i < PAGED_OBJECTS; i++) {
        const name = `page-${String(i).padStart(2, '0')}`;
        expected.push(name);
        await createConfigMap(ns, name);
      }

      const seen: string[] = [];
      let pages = 0;
      let cont = '';
      let firstRV: string | undefined;
      do {
        const page = await list(`${configmaps(ns)}?limit=${PAGE_SIZE}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
        pages++;
        assert.ok(page.items.length <= PAGE_SIZE, `page ${pages} has ${page.items.length} items, over the limit`);
        firstRV ??= page.metadata.resourceVersion;
        // Every page of one paged list is served from the same snapshot.
        assert.equal(page.metadata.resourceVersion, firstRV, `page ${pages} resourceVersion`);
        seen.push(...page.items.map((i) => i.metadata.name));
        cont = page.metadata.continue ?? '';
        if (cont) assert.equal(page.items.length, PAGE_SIZE, 'a page followed by more is full');
        assert.ok(pages <= PAGED_OBJECTS, 'pagination does not terminate');
      } while (cont);

      const onlyOurs = seen.filter((n) => n.startsWith('page-'));
      assert.deepEqual([...onlyOurs].sort(), expected, 'each object once');
      assert.equal(new Set(seen).size, seen.length, `no object twice: ${seen.join(' ')}`);
      assert.ok(pages >= Math.ceil(PAGED_OBJECTS / PAGE_SIZE), `${pages} pages for ${seen.length} items with limit ${PAGE_SIZE}`);
    });

    it('pages through a label-selected list returning each matching object once and no other', async function () {
      const ns = 'lists-paging-selected';
      await createNamespace(server, ns);
      const even: string[] = [];
      for (let i = 0; i < 10; i++) {
        const name = `parity-${i}`;
        if (i % 2 === 0) even.push(name);
        await createConfigMap(ns, name, { parity: i % 2 === 0 ? 'even' : 'odd' });
      }
      const seen: string[] = [];
      let cont = '';
      let pages = 0;
      do {
        const page = await list(`${configmaps(ns)}?labelSelector=parity%3Deven&limit=2${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
        pages++;
        assert.ok(page.items.length <= 2, `page ${pages} has ${page.items.length} items`);
        for (const item of page.items) assert.equal(item.metadata.labels?.parity, 'even', item.metadata.name);
        seen.push(...page.items.map((i) => i.metadata.name));
        cont = page.metadata.continue ?? '';
        assert.ok(pages <= 20, 'pagination does not terminate');
      } while (cont);
      assert.deepEqual([...seen].sort(), even);
    });

    it('answers a malformed continue token with 400 BadRequest instead of listing from the start', async function () {
      const res = await server.request('GET', `${configmaps('default')}?limit=1&continue=not-a-continue-token`);
      assert.equal(res.status, 400, res.body);
      const status = res.json<StatusBody>();
      assert.equal(status.reason, 'BadRequest');
      assert.match(status.message, /continue key is not valid/);
    });

    it('reports remainingItemCount on a page that has a continue token', async function () {
      const ns = 'lists-remaining';
      await createNamespace(server, ns);
      for (let i = 0; i < 5; i++) await createConfigMap(ns, `remaining-${i}`);
      const page = await list(`${configmaps(ns)}?limit=2`);
      assert.equal(page.items.length, 2);
      assert.ok(page.metadata.continue, 'a continue token');
      assert.equal(typeof page.metadata.remainingItemCount, 'number');
      assert.equal(page.metadata.remainingItemCount, (await list(configmaps(ns))).items.length - 2);
    });

    it('keeps a paged list consistent when objects are created between pages', async function () {
      const ns = 'lists-snapshot';
      await createNamespace(server, ns);
      for (let i = 0; i < 4; i++) await createConfigMap(ns, `snap-${i}`);
      const first = await list(`${configmaps(ns)}?limit=2`);
      assert.ok(first.metadata.continue);
      await createConfigMap(ns, 'snap-9-late');
      const rest = await list(`${configmaps(ns)}?limit=100&continue=${encodeURIComponent(first.metadata.continue ?? '')}`);
      const all = [...first.items, ...rest.items].map((i) => i.metadata.name).filter((n) => n.startsWith('snap-'));
      assert.deepEqual(all.sort(), ['snap-0', 'snap-1', 'snap-2', 'snap-3'], 'the continued list is the snapshot of the first page');
    });
  });

  describe('selectors', function () {
    const ns = 'lists-selectors';

    before(async function () {
      await createNamespace(server, ns);
      await createConfigMap(ns, 'sel-a', { env: 'prod', tier: 'web' });
      await createConfigMap(ns, 'sel-b', { env: 'dev', tier: 'db' });
      await createConfigMap(ns, 'sel-c', { env: 'staging' });
      await createConfigMap(ns, 'sel-d');
    });

    /** ours keeps the selector test's objects (a namespace may hold objects a controller made). */
    const ours = (list: string[]) => list.filter((n) => n.startsWith('sel-'));

    it('labelSelector key=value matches objects with that value', async function () {
      assert.deepEqual(ours(await names(ns, 'labelSelector=env%3Dprod')), ['sel-a']);
    });

    it('labelSelector key==value is the same as key=value', async function () {
      assert.deepEqual(ours(await names(ns, 'labelSelector=env%3D%3Ddev')), ['sel-b']);
    });

    it('labelSelector key!=value matches other values and objects without the key', async function () {
      assert.deepEqual(ours(await names(ns, 'labelSelector=env!%3Dprod')), ['sel-b', 'sel-c', 'sel-d']);
    });

    it('labelSelector key in (a,b) matches either value', async function () {
      assert.deepEqual(ours(await names(ns, `labelSelector=${encodeURIComponent('env in (prod,dev)')}`)), ['sel-a', 'sel-b']);
    });

    it('labelSelector key notin (a,b) matches other values and objects without the key', async function () {
      assert.deepEqual(ours(await names(ns, `labelSelector=${encodeURIComponent('env notin (prod,dev)')}`)), ['sel-c', 'sel-d']);
    });

    it('labelSelector key (exists) matches objects that have the key', async function () {
      assert.deepEqual(ours(await names(ns, 'labelSelector=tier')), ['sel-a', 'sel-b']);
    });

    it('labelSelector !key matches objects without the key', async function () {
      assert.deepEqual(ours(await names(ns, `labelSelector=${encodeURIComponent('!tier')}`)), ['sel-c', 'sel-d']);
    });

    it('labelSelector requirements separated by commas must all hold', async function () {
      assert.deepEqual(ours(await names(ns, `labelSelector=${encodeURIComponent('env in (prod,dev),tier=db')}`)), ['sel-b']);
    });

    it('fieldSelector metadata.name= selects one object', async function () {
      assert.deepEqual(await names(ns, 'fieldSelector=metadata.name%3Dsel-c'), ['sel-c']);
    });

    it('fieldSelector metadata.name!= excludes one object', async function () {
      assert.deepEqual(ours(await names(ns, 'fieldSelector=metadata.name!%3Dsel-c')), ['sel-a', 'sel-b', 'sel-d']);
    });

    it('fieldSelector metadata.namespace= on a cluster-wide list selects that namespace', async function () {
      const all = await list(`/api/v1/configmaps?fieldSelector=metadata.namespace%3D${ns}`);
      assert.ok(all.items.length >= 4);
      for (const item of all.items) assert.equal(item.metadata.namespace, ns);
    });

    it('combines labelSelector and fieldSelector', async function () {
      assert.deepEqual(await names(ns, 'labelSelector=tier&fieldSelector=metadata.name!%3Dsel-a'), ['sel-b']);
    });

    it('answers an unsupported field selector (spec.foo=bar on configmaps) with 400 and kube-apiserver\'s message', async function () {
      const res = await server.request('GET', `${configmaps(ns)}?fieldSelector=spec.foo%3Dbar`);
      assert.equal(res.status, 400, res.body);
      const status = res.json<StatusBody>();
      assert.equal(status.kind, 'Status');
      assert.equal(status.reason, 'BadRequest');
      assert.equal(status.message, '"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"');
    });

    it('answers a malformed label selector with 400 BadRequest', async function () {
      const res = await server.request('GET', `${configmaps(ns)}?labelSelector=${encodeURIComponent('env in (prod')}`);
      assert.equal(res.status, 400, res.body);
      assert.equal(res.json<StatusBody>().reason, 'BadRequest');
    });
  });

  describe('watch', function () {
    it('replays every event after a list\'s resourceVersion exactly once and in order', async function () {
      const ns = 'lists-watch-rv';
      await createNamespace(server, ns);
      const listRV = (await list(configmaps(ns))).metadata.resourceVersion ?? '';
      assert.match(listRV, /^\d+$/);

      const x = await createConfigMap(ns, 'rv-x');
      const xLabelled = await server.request('PATCH', `${configmaps(ns)}/rv-x`, {
        body: { metadata: { labels: { step: 'two' } } },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      assert.equal(xLabelled.status, 200, xLabelled.body);
      await createConfigMap(ns, 'rv-y');
      const del = await server.request('DELETE', `${configmaps(ns)}/rv-x`);
      assert.equal(del.status, 200, del.body);
      const yUpdated = await server.request('PATCH', `${configmaps(ns)}/rv-y`, {
        body: { data: { greeting: 'updated' } },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      assert.equal(yUpdated.status, 200, yUpdated.body);

      // The watch starts after all five changes: they must all be replayed from listRV.
      const stream = server.stream(`${configmaps(ns)}?watch=true&resourceVersion=${listRV}`);
      try {
        assert.equal(await stream.status, 200);
        const lines = stream.lines[Symbol.asyncIterator]();
        const events: WatchEvent[] = [];
        for (let i = 0; i < 5; i++) events.push(await nextEvent(lines));
        assert.deepEqual(
          events.map((e) => `${e.type} ${e.object.metadata.name}`),
          ['ADDED rv-x', 'MODIFIED rv-x', 'ADDED rv-y', 'DELETED rv-x', 'MODIFIED rv-y'],
        );
        assert.equal(events[0].object.metadata.uid, x.metadata.uid);
        assert.equal(events[1].object.metadata.labels?.step, 'two');
        assert.deepEqual((events[4].object as { data?: unknown }).data, { ...readGreeting(), greeting: 'updated' });
        for (let i = 1; i < events.length; i++) {
          const [prev, cur] = [events[i - 1].object.metadata.resourceVersion ?? '', events[i].object.metadata.resourceVersion ?? ''];
          assert.equal(compareResourceVersions(cur, prev), 1, `event ${i} RV ${cur} must follow ${prev}`);
        }
        assert.equal(compareResourceVersions(events[0].object.metadata.resourceVersion ?? '', listRV), 1);

        // A change after the replay comes next: nothing from the replay is sent twice.
        await createConfigMap(ns, 'rv-z');
        const next = await nextEvent(lines);
        assert.equal(`${next.type} ${next.object.metadata.name}`, 'ADDED rv-z');
      } finally {
        stream.close();
      }
    });

    it('sends ADDED for existing objects, then a BOOKMARK annotated k8s.io/initial-events-end, with sendInitialEvents', async function () {
      const ns = 'lists-initial-events';
      await createNamespace(server, ns);
      await createConfigMap(ns, 'initial-1');
      await createConfigMap(ns, 'initial-2');
      const stream = server.stream(
        `${configmaps(ns)}?watch=true&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan`,
      );
      try {
        assert.equal(await stream.status, 200);
        const lines = stream.lines[Symbol.asyncIterator]();
        const added: string[] = [];
        let event = await nextEvent(lines);
        while (event.type === 'ADDED') {
          added.push(event.object.metadata.name);
          event = await nextEvent(lines);
        }
        assert.deepEqual(added.filter((n) => n.startsWith('initial-')).sort(), ['initial-1', 'initial-2']);
        assert.equal(event.type, 'BOOKMARK', `after the initial ADDED events: ${JSON.stringify(event)}`);
        assert.equal(event.object.kind, 'ConfigMap');
        assert.equal(event.object.metadata.annotations?.['k8s.io/initial-events-end'], 'true');
        assert.match(event.object.metadata.resourceVersion ?? '', /^\d+$/);

        // The watch continues after the bookmark.
        await createConfigMap(ns, 'initial-3');
        let next = await nextEvent(lines);
        while (next.type === 'BOOKMARK') next = await nextEvent(lines);
        assert.equal(`${next.type} ${next.object.metadata.name}`, 'ADDED initial-3');
      } finally {
        stream.close();
      }
    });

    it('ends a watch after timeoutSeconds', async function () {
      const stream = server.stream(`${configmaps('default')}?watch=true&timeoutSeconds=1`);
      try {
        assert.equal(await stream.status, 200);
        const drained = (async () => {
          for await (const line of stream.lines) void line;
          return 'ended' as const;
        })();
        let timer: NodeJS.Timeout | undefined;
        const outcome = await Promise.race([
          drained,
          new Promise<'still open'>((resolve) => (timer = setTimeout(() => resolve('still open'), STREAM_END_TIMEOUT_MS))),
        ]);
        clearTimeout(timer);
        assert.equal(outcome, 'ended', 'the server must close the watch when timeoutSeconds elapses');
      } finally {
        stream.close();
      }
    });

    it('streams events on the legacy /api/v1/watch/namespaces/{ns}/configmaps path', async function () {
      const ns = 'lists-legacy-watch';
      await createNamespace(server, ns);
      const listRV = (await list(configmaps(ns))).metadata.resourceVersion ?? '';
      const stream = server.stream(`/api/v1/watch/namespaces/${ns}/configmaps?resourceVersion=${listRV}`);
      try {
        assert.equal(await stream.status, 200);
        const lines = stream.lines[Symbol.asyncIterator]();
        await createConfigMap(ns, 'legacy-1');
        const event = await nextEvent(lines);
        assert.equal(`${event.type} ${event.object.metadata.name}`, 'ADDED legacy-1');
        assert.equal(event.object.kind, 'ConfigMap');
        const del = await server.request('DELETE', `${configmaps(ns)}/legacy-1`);
        assert.equal(del.status, 200, del.body);
        const deleted = await nextEvent(lines);
        assert.equal(`${deleted.type} ${deleted.object.metadata.name}`, 'DELETED legacy-1');
      } finally {
        stream.close();
      }
    });

    it('filters a watch by fieldSelector metadata.name (what kubectl delete --wait and wait use)', async function () {
      const ns = 'lists-watch-field';
      await createNamespace(server, ns);
      const listRV = (await list(configmaps(ns))).metadata.resourceVersion ?? '';
      const stream = server.stream(`${configmaps(ns)}?watch=true&resourceVersion=${listRV}&fieldSelector=metadata.name%3Dfield-target`);
      try {
        const lines = stream.lines[Symbol.asyncIterator]();
        await createConfigMap(ns, 'field-other');
        await createConfigMap(ns, 'field-target');
        const event = await nextEvent(lines);
        assert.equal(`${event.type} ${event.object.metadata.name}`, 'ADDED field-target');
      } finally {
        stream.close();
      }
    });
  });
});

/** readGreeting is the configmap fixture's data, which the watch test patches one key of. */
function readGreeting(): Record<string, string> {
  return (fixtureNamed('configmap.yaml', 'unused') as { data?: Record<string, string> }).data ?? {};
}
