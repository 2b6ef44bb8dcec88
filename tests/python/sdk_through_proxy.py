#!/usr/bin/env python3
"""Drive the official Sinch Python SDK (sinch==2.3.0) through ordinary Groups traffic, for
`groupcheck proxy` to judge (tests/proxy.rs). It asserts nothing about the answers: judging them
is the proxy's job. It exits 0 once every call was made, 1 on an exception no call expects,
2 on bad usage, 3 when a package is missing.

Usage: sdk_through_proxy.py BASE_URL TOKEN

BASE_URL is the proxy's origin (http://127.0.0.1:PORT); TOKEN the Bearer token it passes on.
"""

import sys
import traceback
import uuid

try:
    from sinch import SinchClient
    from sinch.core.exceptions import SinchException
except ImportError as e:  # pragma: no cover - environment problem
    print(f"FAIL: cannot import the Sinch SDK ({e}); run `pip install -r tests/python/requirements.txt`")
    sys.exit(3)


def run(base_url, token):
    plan = "px" + uuid.uuid4().hex[:16]
    client = SinchClient(service_plan_id=plan, sms_api_token=token, sms_region="us")
    client.configuration.sms_origin_with_service_plan_id = base_url.rstrip("/")
    groups = client.sms.groups

    # One number twice, in two formats: size counts distinct numbers (2).
    created = groups.create(
        name="Proxy group", members=["+46701234567", "0046701234567", "+46701234568"]
    )
    gid = created.id
    print(f"create {gid} size {created.size}", flush=True)
    print(f"get size {groups.get(gid).size}", flush=True)
    # The SDK's own update adding and removing one number: adds apply before removes, so the
    # number is absent afterwards (update.add-before-remove).
    updated = groups.update(gid, add=["+46701234570"], remove=["+46701234570"])
    print(f"update(add=X, remove=X) size {updated.size}", flush=True)
    print(f"members {sorted(groups.list_members(gid).content())}", flush=True)
    other = groups.create(name="Second group", members=["+12015550100"])
    print(f"create {other.id}", flush=True)
    replaced = groups.replace(gid, name="Replaced", members=["+12018881111", "+12018882222"])
    print(f"replace size {replaced.size}", flush=True)
    print(f"members {sorted(groups.list_members(gid).content())}", flush=True)
    print(f"list {[g.id for g in groups.list(page_size=10).content()]}", flush=True)
    groups.delete(gid)
    print("delete", flush=True)
    try:
        groups.get(gid)
        print("get after delete: answered", flush=True)
    except SinchException as e:
        status = e.http_response.status_code if e.http_response is not None else None
        print(f"get after delete: HTTP {status}", flush=True)
    groups.delete(other.id)
    print("DONE", flush=True)


def main(argv):
    if len(argv) != 3:
        print(f"usage: {argv[0]} BASE_URL TOKEN", file=sys.stderr)
        return 2
    try:
        run(argv[1], argv[2])
    except Exception:
        print("FAIL: unexpected exception:", flush=True)
        traceback.print_exc(file=sys.stdout)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
