import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeObject, encodeItem, encodeList, encodeListFromItems } from '../../../src/protobuf';
import { repositoryRoot } from '../../e2e/clients/install';

describe('protobuf lists from pre-encoded items', function () {
  const pod = JSON.parse(fs.readFileSync(path.join(repositoryRoot(), 'bench', 'fixtures', 'pod.json'), 'utf8')) as Record<string, unknown>;
  const pods = [1, 2, 3].map((i) => ({ ...pod, metadata: { ...(pod.metadata as object), name: `p${i}`, resourceVersion: String(i) } }));
  const metadata = { resourceVersion: '9', continue: 'abc' };

  it('writes the same bytes as encoding the whole list, so a server may cache item encodings', function () {
    const whole = encodeList({ apiVersion: 'v1', kind: 'PodList', metadata, items: pods });
    const fromItems = encodeListFromItems('v1', 'PodList', metadata, pods.map((p) => encodeItem('v1', 'Pod', p)));
    assert.deepEqual(fromItems, whole);
  });

  it('decodes back to the items and the list metadata', function () {
    const decoded = decodeObject(encodeListFromItems('v1', 'PodList', metadata, pods.map((p) => encodeItem('v1', 'Pod', p)))).object;
    assert.deepEqual((decoded.metadata as Record<string, unknown>).resourceVersion, '9');
    assert.deepEqual((decoded.items as { metadata: { name: string } }[]).map((i) => i.metadata.name), ['p1', 'p2', 'p3']);
  });
});
