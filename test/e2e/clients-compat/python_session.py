"""A short session of the official Kubernetes Python client (Debian's python3-kubernetes 22.6).

Run by python.test.ts as `/usr/bin/python3 python_session.py <kubeconfig> <namespace>`. It
creates the namespace, then does CRUD on ConfigMaps and a Deployment, lists with label
selectors, watches from a list's resourceVersion with a server-side timeout, and prints one
JSON object of what it observed; the mocha test holds the expectations. Any exception (an
ApiException from the server, a model refusing a response) ends it with a traceback and a
non-zero exit.
"""
import json
import sys
import time

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

# WATCH_TIMEOUT_SECONDS is the server-side timeoutSeconds: the watch must end by itself.
WATCH_TIMEOUT_SECONDS = 2
# REQUEST_TIMEOUT_SECONDS guards every call against a server that never answers.
REQUEST_TIMEOUT_SECONDS = 30


def config_map(name, labels, data):
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels=labels), data=data)


def main():
    kubeconfig, ns = sys.argv[1], sys.argv[2]
    config.load_kube_config(config_file=kubeconfig)
    core = client.CoreV1Api()
    apps = client.AppsV1Api()
    out = {"version": client.VersionApi().get_code().git_version}

    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=ns)), _request_timeout=REQUEST_TIMEOUT_SECONDS)

    created = core.create_namespaced_config_map(ns, config_map("cm-a", {"tier": "py", "keep": "yes"}, {"k": "v"}))
    out["created"] = {"name": created.metadata.name, "uid": bool(created.metadata.uid), "resourceVersion": created.metadata.resource_version}

    current = core.read_namespaced_config_map("cm-a", ns)
    current.data["k"] = "v2"
    replaced = core.replace_namespaced_config_map("cm-a", ns, current)
    out["replaced"] = {"data": replaced.data, "resourceVersionChanged": replaced.metadata.resource_version != created.metadata.resource_version}

    patched = core.patch_namespaced_config_map("cm-a", ns, {"metadata": {"labels": {"patched": "true"}}})
    out["patchedLabels"] = patched.metadata.labels

    core.create_namespaced_config_map(ns, config_map("cm-b", {"tier": "py", "keep": "no"}, {"k": "b"}))
    core.create_namespaced_config_map(ns, config_map("cm-c", {"tier": "other"}, {"k": "c"}))
    selected = core.list_namespaced_config_map(ns, label_selector="tier=py")
    out["selected"] = sorted(i.metadata.name for i in selected.items)
    out["selectedSet"] = sorted(i.metadata.name for i in core.list_namespaced_config_map(ns, label_selector="tier in (py,other),keep!=no").items)

    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "py-web", "labels": {"tier": "py"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "py-web"}},
            "template": {"metadata": {"labels": {"app": "py-web"}}, "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}},
        },
    }
    apps.create_namespaced_deployment(ns, deployment)
    read = apps.read_namespaced_deployment("py-web", ns)
    out["deployment"] = {
        "replicas": read.spec.replicas,
        "strategy": read.spec.strategy.type,
        "created": read.metadata.creation_timestamp.isoformat(),
    }
    scaled = apps.patch_namespaced_deployment_scale("py-web", ns, {"spec": {"replicas": 4}})
    out["scaled"] = scaled.spec.replicas

    # Changes after the list's resourceVersion arrive on a watch started from it, in order.
    since = selected.metadata.resource_version
    core.patch_namespaced_config_map("cm-b", ns, {"data": {"k": "b2"}})
    core.delete_namespaced_config_map("cm-b", ns)
    events = []
    started = time.monotonic()
    stream = watch.Watch().stream(
        core.list_namespaced_config_map,
        ns,
        label_selector="tier=py",
        resource_version=since,
        timeout_seconds=WATCH_TIMEOUT_SECONDS,
        _request_timeout=REQUEST_TIMEOUT_SECONDS,
    )
    for event in stream:
        events.append([event["type"], event["object"].metadata.name, (event["object"].data or {}).get("k")])
    out["watch"] = events
    out["watchSeconds"] = round(time.monotonic() - started, 1)

    core.delete_namespaced_config_map("cm-a", ns)
    try:
        core.read_namespaced_config_map("cm-a", ns)
        out["afterDelete"] = "still there"
    except ApiException as e:
        out["afterDelete"] = {"status": e.status, "reason": json.loads(e.body)["reason"]}

    print(json.dumps(out))


if __name__ == "__main__":
    main()
