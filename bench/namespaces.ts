/**
 * createBenchNamespace makes a namespace the pod workloads can fill: the pod fixture runs as its
 * own ServiceAccount, which the ServiceAccount admission plugin requires to exist, as
 * kube-apiserver's does.
 */
import * as fs from 'node:fs';
import type { Credentials } from './kapi';
import { requestOk } from './request';
import { FIXTURE } from './workloads';

export async function createBenchNamespace(creds: Credentials, namespace: string): Promise<void> {
  await requestOk(creds, 'POST', '/api/v1/namespaces', 201, JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }));
  const pod = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as { spec?: { serviceAccountName?: string } };
  const sa = pod.spec?.serviceAccountName;
  if (sa && sa !== 'default') {
    await requestOk(creds, 'POST', `/api/v1/namespaces/${namespace}/serviceaccounts`, 201, JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa } }));
  }
}
