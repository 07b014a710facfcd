"""Run a command in a fresh network namespace that has only loopback, then remove it.

Usage: python scripts/isolated.py COMMAND [ARG...]

Ray binds its nodes to the machine's network address, not to 127.0.0.1; in a
namespace whose only interface is ``lo`` that address is loopback, so a test
cluster's traffic never leaves this machine. The namespace is named after this
process, made with ``ip netns add`` (root or CAP_SYS_ADMIN), and deleted when the
command ends, whatever its exit status.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    if shutil.which("ip") is None:
        print("error: `ip` (iproute2) is needed to isolate the cluster tests", file=sys.stderr)
        return 2
    name = f"assistant-{os.getpid()}"
    made = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
    if made.returncode != 0:
        print(
            f"error: cannot make the network namespace {name} ({made.stderr.strip()}): the "
            "cluster tests need root or CAP_SYS_ADMIN; `make test-local` runs the rest",
            file=sys.stderr,
        )
        return 2
    try:
        subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"], check=True)
        return subprocess.run(["ip", "netns", "exec", name, *argv]).returncode
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=False)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
