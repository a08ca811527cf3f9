/**
 * `kubectl get -w`: kubectl lists (as Table), then watches from the list's resourceVersion, so
 * every change made after the list is printed, in order, by event type with --output-watch-events.
 */
import * as assert from 'node:assert/strict';
import { ensureClients } from '../clients/install';
import type { KubectlWatch } from '../clients/kubectl';
import { TestServer } from '../../support/server';
import { createNamespace, fixtureNamed, kubectlCreate } from './support';

/** WatchRow is one line of `kubectl get -w --output-watch-events`: EVENT, NAME, then the cells. */
interface WatchRow {
  event: string;
  name: string;
  line: string;
}

/** LINE_TIMEOUT_MS bounds the wait for one line, so a missing event fails instead of hanging. */
const LINE_TIMEOUT_MS = 20_000;

/** nextRow reads the next data line of a kubectl watch (skipping the header), or fails. */
async function nextRow(lines: AsyncIterator<string>, watch: KubectlWatch): Promise<WatchRow> {
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), LINE_TIMEOUT_MS)));
    const r = await Promise.race([lines.next(), timeout]);
    clearTimeout(timer);
    if (r === 'timeout') throw new Error(`kubectl get -w printed nothing for ${LINE_TIMEOUT_MS} ms; stderr:\n${watch.stderr()}`);
    if (r.done) throw new Error(`kubectl get -w ended; stderr:\n${watch.stderr()}`);
    const line = r.value;
    if (line.trim() === '' || line.startsWith('EVENT ')) continue;
    const [event, name] = line.trim().split(/\s+/);
    return { event, name, line };
  }
}

describe('kubectl get -w --output-watch-events', function () {
  let server: TestServer;

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
  });

  after(async function () {
    await server?.dispose();
  });

  it('prints ADDED, MODIFIED and DELETED for a pod another kubectl creates, labels and deletes', async function () {
    const ns = 'watch-events';
    await createNamespace(server, ns);
    // A pod that exists before the watch starts: kubectl prints it from its initial list, which
    // tells the test the list is done and the watch will start from the list's resourceVersion.
    await kubectlCreate(server, fixtureNamed('pod.yaml', 'watch-sentinel', ns));

    const watch = server.kubectl.spawnWatch(['get', 'pods', '-n', ns, '-w', '--output-watch-events']);
    try {
      const lines = watch.lines[Symbol.asyncIterator]();
      const header = await nextMatchingHeader(lines, watch);
      assert.match(header, /^EVENT\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
      const first = await nextRow(lines, watch);
      assert.deepEqual([first.event, first.name], ['ADDED', 'watch-sentinel'], first.line);

      await kubectlCreate(server, fixtureNamed('pod.yaml', 'watch-target', ns));
      await server.kubectl.run(['label', 'pod', 'watch-target', '-n', ns, 'watched=yes']);
      await server.kubectl.run(['delete', 'pod', 'watch-target', '-n', ns], { timeoutMs: 45_000 });

      const seen: WatchRow[] = [];
      while (!seen.some((r) => r.event === 'DELETED')) {
        const row = await nextRow(lines, watch);
        assert.equal(row.name, 'watch-target', `only watch-target changed after the list: ${row.line}`);
        seen.push(row);
      }
      const events = seen.map((r) => r.event);
      assert.equal(events[0], 'ADDED', events.join(' '));
      assert.ok(events.includes('MODIFIED'), `the label change must be a MODIFIED line: ${events.join(' ')}`);
      assert.equal(events[events.length - 1], 'DELETED', events.join(' '));
      for (const event of events) assert.ok(['ADDED', 'MODIFIED', 'DELETED'].includes(event), event);
      assert.equal(events.filter((e) => e === 'ADDED').length, 1, `one ADDED: ${events.join(' ')}`);
    } finally {
      await watch.stop();
    }
    assert.equal(watch.stderr(), '', 'kubectl get -w must not report errors');
  });
});

/** nextMatchingHeader reads the header line kubectl prints before the first row. */
async function nextMatchingHeader(lines: AsyncIterator<string>, watch: KubectlWatch): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), LINE_TIMEOUT_MS)));
  const r = await Promise.race([lines.next(), timeout]);
  clearTimeout(timer);
  if (r === 'timeout' || r.done) throw new Error(`kubectl get -w printed no header; stderr:\n${watch.stderr()}`);
  return r.value;
}
