"""get -w: a running kubectl watch sees objects being added, modified and deleted."""

from __future__ import annotations

from manifests import configmap


def event_for(kind: str, name: str):
    """Predicate for a watch event of type `kind` about object `name`."""
    return lambda e: e.get("type") == kind and e.get("object", {}).get("metadata", {}).get("name") == name


def test_watch_sees_add_modify_delete(kubectl):
    watch = kubectl.watch("get", "configmaps", "-w", "--output-watch-events", "-o", "json")
    try:
        # Created after kubectl starts: it lands in kubectl's initial list
        # (printed as a synthetic ADDED) or in the watch; both print ADDED.
        kubectl("create", "configmap", "watched", "--from-literal=k=v")
        added = watch.wait_for(event_for("ADDED", "watched"), "ADDED event for configmap/watched")
        assert added["object"]["kind"] == "ConfigMap"
        assert added["object"]["data"] == {"k": "v"}

        kubectl("label", "configmap", "watched", "seen=yes")
        modified = watch.wait_for(event_for("MODIFIED", "watched"), "MODIFIED event for configmap/watched")
        assert modified["object"]["metadata"]["labels"] == {"seen": "yes"}

        assert kubectl("delete", "configmap", "watched").rc == 0
        deleted = watch.wait_for(event_for("DELETED", "watched"), "DELETED event for configmap/watched")
        assert int(deleted["object"]["metadata"]["resourceVersion"]) >= int(
            modified["object"]["metadata"]["resourceVersion"]
        )
        assert watch.proc.poll() is None, "kubectl get -w must keep running"
    finally:
        watch.stop()


def test_watch_with_label_selector_follows_matching(kubectl):
    # kube-apiserver filters watches: an object that stops matching the
    # selector arrives as DELETED, one that starts matching as ADDED.
    watch = kubectl.watch(
        "get", "configmaps", "-w", "-l", "color=blue", "--output-watch-events", "-o", "json"
    )
    try:
        kubectl("create", "-f", "-", input=configmap("other", labels={"color": "red"}))
        kubectl("create", "-f", "-", input=configmap("sky", labels={"color": "blue"}))
        watch.wait_for(event_for("ADDED", "sky"), "ADDED event for configmap/sky")

        kubectl("label", "configmap", "sky", "color=red", "--overwrite")
        gone = watch.wait_for(event_for("DELETED", "sky"), "DELETED event when sky stops matching")
        assert gone["object"]["metadata"]["labels"] == {"color": "red"}

        kubectl("label", "configmap", "other", "color=blue", "--overwrite")
        back = watch.wait_for(event_for("ADDED", "other"), "ADDED event when other starts matching")
        assert back["object"]["metadata"]["labels"] == {"color": "blue"}

        names = {e["object"]["metadata"]["name"] for e in watch.seen}
        types = [(e["type"], e["object"]["metadata"]["name"]) for e in watch.seen]
        assert ("ADDED", "other") in types and types.index(("ADDED", "other")) > types.index(
            ("DELETED", "sky")
        )
        assert names <= {"sky", "other"}
    finally:
        watch.stop()


def test_watch_without_event_wrapper(kubectl):
    # Without --output-watch-events kubectl prints the bare objects.
    watch = kubectl.watch("get", "configmaps", "-w", "-l", "w=name", "-o", "json")
    try:
        kubectl("create", "-f", "-", input=configmap("named", labels={"w": "name"}))
        first = watch.wait_for(lambda o: o.get("metadata", {}).get("name") == "named", "configmap/named")
        assert first["kind"] == "ConfigMap"
        assert "type" not in first
    finally:
        watch.stop()
