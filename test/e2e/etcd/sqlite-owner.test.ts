/**
 * The SQLite store belongs to one process: a second kapi started on the data dir of a running
 * one must exit at once with a message that says why, and leave the first one undisturbed.
 * (Several servers need etcd; see instances.test.ts.)
 */
import * as assert from 'node:assert/strict';
import { TestServer } from '../../support/server';
import { CONFIGMAPS, configMap, expectStatus } from './support';

describe('a second kapi on the same SQLite data dir', function () {
  let first: TestServer | undefined;

  before(async () => {
    first = await TestServer.start({ etcdServers: [] });
  });

  after(async () => {
    await first?.dispose();
  });

  it('exits with a clear message instead of sharing the database, and the first server keeps serving', async () => {
    const started = Date.now();
    let failure: Error | undefined;
    try {
      const second = await TestServer.start({ dataDir: first!.dataDir, etcdServers: [] });
      await second.stop();
    } catch (e) {
      failure = e as Error;
    }
    assert.ok(failure, 'the second server started on a data dir in use');
    assert.match(failure.message, /exited with 1 before it was ready/);
    assert.match(failure.message, /locked by another process \(is another kapi running on this data dir\?\)/);
    assert.ok(Date.now() - started < 10_000, 'the refusal must be prompt');
    expectStatus(await first!.request('POST', CONFIGMAPS(), { body: configMap('still-mine') }), 201, 'the first server after the refused start');
  });
});
