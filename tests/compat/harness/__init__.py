"""Test harness for the kubectl compatibility suite (tests/compat).

server   -- a `keelson server` child process and its ready line
api      -- a tiny HTTPS client the fixtures use for bookkeeping
kubectl  -- running the real kubectl, including long-running watches
fixtures -- binaries, namespace names, per-test kubeconfigs
"""
