"""`kubectl auth` against the review kinds (answered, never stored)."""

from __future__ import annotations


def test_whoami_names_the_admin(kubectl):
    rc, out, _ = kubectl("auth", "whoami")
    assert rc == 0
    lines = [line.split(None, 1) for line in out.strip().splitlines()]
    assert lines[0] == ["ATTRIBUTE", "VALUE"]
    assert lines[1] == ["Username", "kubernetes-admin"]
    assert lines[2] == ["Groups", "[system:masters system:authenticated]"]


def test_can_i_answers_yes_for_the_admin(kubectl):
    assert kubectl("auth", "can-i", "create", "pods") == (0, "yes\n", "")
    assert kubectl("auth", "can-i", "delete", "deployments.apps", "--all-namespaces") == (0, "yes\n", "")
    rc, out, _ = kubectl("auth", "can-i", "--list")
    assert rc == 0
    assert out.splitlines()[0].split() == ["Resources", "Non-Resource", "URLs", "Resource", "Names", "Verbs"]
    assert "*.*" in out


def test_reviews_are_not_stored(kubectl):
    rc, _, err = kubectl("get", "selfsubjectaccessreviews", check=False)
    assert rc == 1
    assert "(MethodNotAllowed)" in err or "the server does not allow this method" in err
