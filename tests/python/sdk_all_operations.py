#!/usr/bin/env python3
"""Drive the official Sinch Python SDK (sinch==2.3.0) through all seven Groups operations.

Usage: sdk_all_operations.py BASE_URL TOKEN

BASE_URL is the server's origin, e.g. http://127.0.0.1:8080 (no /xms/v1/...); TOKEN its Bearer
token. The SDK runs in service-plan mode (service_plan_id + sms_api_token) with
`configuration.sms_origin_with_service_plan_id = BASE_URL`; 2.3.0 then calls
`{BASE_URL}/xms/v1/{service_plan_id}/groups...` (sinch/core/clients/sinch_client_configuration.py
`get_sms_origin_for_auth`, sinch/domains/sms/api/v1/internal/groups_endpoints.py `ENDPOINT_URL`).

A fresh random service plan id is used, so the plan starts empty on the emulator (groups are
scoped per plan) and list results are exact.

Prints one line per checked step; exits 1 with a FAIL line on the first failed assertion, 2 on
bad usage, 3 when a package is missing.
"""

import json
import sys
import traceback
import uuid

REQUIREMENTS_HINT = "run `pip install -r tests/python/requirements.txt`"

try:
    import sinch
    from sinch import SinchClient
    from sinch.core.exceptions import SinchException
    from sinch.domains.sms.api.v1.internal.groups_endpoints import UpdateGroupEndpoint
    from sinch.domains.sms.models.v1.internal.update_group_request import UpdateGroupRequest
except ImportError as e:  # pragma: no cover - environment problem
    print(f"FAIL: cannot import the Sinch SDK ({e}); {REQUIREMENTS_HINT}", file=sys.stderr)
    sys.exit(3)

EXPECTED_SDK = "2.3.0"


class CheckFailed(Exception):
    pass


def check(condition, step, detail=""):
    if not condition:
        raise CheckFailed(f"{step}: {detail}" if detail else step)


def ok(step):
    print(f"ok   {step}", flush=True)


def make_client(base_url, token, plan):
    client = SinchClient(service_plan_id=plan, sms_api_token=token, sms_region="us")
    client.configuration.sms_origin_with_service_plan_id = base_url.rstrip("/")
    return client


def expect_error(call, status, step, code=None):
    """Run `call`, which must raise an SDK exception carrying `status` (and body `code`)."""
    try:
        result = call()
    except SinchException as e:
        got = e.http_response.status_code if e.http_response is not None else None
        check(got == status, step, f"expected HTTP {status}, the SDK exception carries {got}: {e}")
        body = e.http_response.body if isinstance(e.http_response.body, dict) else {}
        if code is not None:
            check(
                body.get("code") == code,
                step,
                f"expected error code {code!r}, got body {e.http_response.body!r}",
            )
        return e
    raise CheckFailed(f"{step}: expected an SDK exception with HTTP {status}, got {result!r}")


def members_of(groups, group_id):
    return sorted(groups.list_members(group_id).content())


def run(base_url, token):
    check(
        sinch.__version__ == EXPECTED_SDK,
        "SDK version",
        f"expected sinch=={EXPECTED_SDK}, found {sinch.__version__}; {REQUIREMENTS_HINT}",
    )
    ok(f"sinch {sinch.__version__} in service-plan mode against {base_url}")

    plan = "py" + uuid.uuid4().hex[:16]
    groups = make_client(base_url, token, plan).sms.groups

    # 1. Create: mixed formats (+, 00, spaces, dashes) and duplicates; size counts unique members.
    created = groups.create(
        name="Python SDK group",
        members=[
            "+46701234567",
            "0046701234567",  # same as the first
            "46 70 123 45 68",
            "+46-70-123-45-69",
            "46701234569",  # same as the previous one
            "0046 70 123 45 68",  # same as the second unique one
        ],
    )
    check(isinstance(created.id, str) and created.id, "create", f"no id in {created!r}")
    check(created.size == 3, "create", f"expected size 3 (unique members), got {created.size}")
    check(created.name == "Python SDK group", "create", f"name not echoed: {created.name!r}")
    check(created.created_at is not None, "create", "no created_at")
    gid = created.id
    ok(f"create: id {gid}, size 3 from 6 numbers in mixed formats with duplicates, name echoed")

    # 2. Retrieve: the same group.
    got = groups.get(gid)
    for field in ("id", "name", "size", "created_at", "modified_at"):
        check(
            getattr(got, field) == getattr(created, field),
            "get",
            f"{field}: create said {getattr(created, field)!r}, get says {getattr(got, field)!r}",
        )
    ok("get: returns the created group (id, name, size, timestamps)")

    # 3. List: newest first, page_size counts the items on the page.
    other = groups.create(name="Newer group", members=["+12015550100"])
    check(other.size == 1, "create second group", f"size {other.size}")
    page = groups.list(page_size=10)
    result = page.result
    ids = [g.id for g in page.content()]
    check(ids == [other.id, gid], "list", f"expected newest first [{other.id}, {gid}], got {ids}")
    check(result.count == 2, "list", f"count {result.count}, expected 2")
    check(result.page == 0, "list", f"page {result.page}, expected 0")
    check(
        result.page_size == 2,
        "list",
        f"page_size {result.page_size}: expected 2, the number of groups on the page",
    )
    listed = page.content()[1]
    check(
        (listed.name, listed.size) == ("Python SDK group", 3),
        "list",
        f"listed group is {listed!r}",
    )
    ok("list(page_size=10): both groups, newest first, page_size=2 (items on the page), count=2")
    page = groups.list(page_size=1)
    ids = [g.id for g in page.content()]
    check(ids == [other.id], "list page 0", f"expected [{other.id}], got {ids}")
    check(page.result.page_size == 1, "list page 0", f"page_size {page.result.page_size}")
    check(page.has_next_page, "list page 0", "the SDK sees no next page with count=2, page_size=1")
    page = page.next_page()
    ids = [g.id for g in page.content()]
    check(ids == [gid], "list page 1", f"expected [{gid}], got {ids}")
    check(page.result.page == 1, "list page 1", f"page {page.result.page}")
    check(not page.has_next_page, "list page 1", "the SDK sees a page after the last one")
    ok("list(page_size=1): newest on page 0, older on page 1, then no next page")

    # 4. Update: adds before removes, so a number in both lists is absent afterwards.
    # The SDK sends every unset field as explicit null, including name, and `"name": null` removes
    # the name (documented), so this update clears it. First confirm the SDK still builds such a
    # body, so a change of SDK behaviour fails here with a clear message.
    request = UpdateGroupRequest(group_id=gid, add=["+46701234570"])
    body = json.loads(UpdateGroupEndpoint(plan, request).request_body())
    check(
        body == {
            "add": ["+46701234570"],
            "remove": None,
            "name": None,
            "add_from_group": None,
            "remove_from_group": None,
            "auto_update": None,
        },
        "update body",
        f"sinch {sinch.__version__} no longer sends explicit nulls: {body}",
    )
    ok("update body: the SDK sends unset fields as explicit null, \"name\": null included")
    updated = groups.update(
        gid,
        add=["+46701234570", "+46 70 123 45 71"],
        remove=["0046701234571", "46701234567", "+19995550000"],  # in add; member; unknown
    )
    check(updated.size == 3, "update", f"expected size 3 (3 + 2 - 2), got {updated.size}")
    check(
        members_of(groups, gid) == ["46701234568", "46701234569", "46701234570"],
        "update",
        f"members after update: {members_of(groups, gid)}",
    )
    check(
        updated.name is None,
        "update without name=",
        f"the SDK sent \"name\": null, which must remove the name; name is {updated.name!r}",
    )
    check(groups.get(gid).name is None, "update without name=", "get still shows a name")
    ok("update(add, remove): number in both lists absent, unknown remove accepted, size 3")
    ok("update without name=: the SDK's explicit \"name\": null cleared the name (documented)")

    renamed = groups.update(gid, name="Renamed")
    check(renamed.name == "Renamed", "update(name=)", f"name {renamed.name!r}")
    check(renamed.size == 3, "update(name=)", f"size changed to {renamed.size}")
    kept = groups.update(gid, name="Renamed", add=["+46701234572"])
    check(kept.name == "Renamed", "update(name=, add=)", f"name {kept.name!r}")
    check(kept.size == 4, "update(name=, add=)", f"size {kept.size}")
    ok("update(name=...): sets the name, and passing it again with add= keeps it")

    # add_from_group with a known group copies its members in.
    merged = groups.update(gid, name="Renamed", add_from_group=other.id)
    check(merged.size == 5, "update(add_from_group=known)", f"size {merged.size}, expected 5")
    check(
        "12015550100" in members_of(groups, gid), "update(add_from_group=known)", "member missing"
    )
    ok("update(add_from_group=<known group>): its member was added")

    # 7. Members: without the + prefix.
    members = members_of(groups, gid)
    check(
        members == ["12015550100", "46701234568", "46701234569", "46701234570", "46701234572"],
        "list_members",
        f"got {members}",
    )
    check(
        all(not m.startswith(("+", "00")) for m in members), "list_members", f"prefix in {members}"
    )
    ok("list_members: normalised numbers without + or 00")

    # 5. Replace: members and name replaced.
    replaced = groups.replace(
        gid, name="Replaced", members=["+12018881111", "0012018882222", "1 201 888 3333"]
    )
    check(replaced.name == "Replaced", "replace", f"name {replaced.name!r}")
    check(replaced.size == 3, "replace", f"size {replaced.size}")
    check(replaced.id == gid, "replace", f"id changed to {replaced.id}")
    members = members_of(groups, gid)
    check(members == ["12018881111", "12018882222", "12018883333"], "replace", f"members {members}")
    ok("replace: name and members replaced (members now exactly the 3 new numbers)")

    # Errors: unknown add_from_group is 403 unknown_group; a wrong token is 401.
    expect_error(
        lambda: groups.update(gid, name="Replaced", add_from_group="01UNKNOWNGROUP0000000000ZZ"),
        403,
        "update(add_from_group=unknown)",
        code="unknown_group",
    )
    check(groups.get(gid).size == 3, "update(add_from_group=unknown)", "the group changed")
    ok("update(add_from_group=<unknown>): SDK exception with HTTP 403, code unknown_group")

    wrong = make_client(base_url, token + "-wrong", plan).sms.groups
    expect_error(lambda: wrong.get(gid), 401, "wrong token")
    ok("wrong token: SDK exception with HTTP 401")

    # 6. Delete, then the group is unknown.
    check(groups.delete(gid) is None, "delete", "delete returned something")
    ok("delete: succeeded")
    expect_error(lambda: groups.get(gid), 404, "get after delete")
    ok("get after delete: SDK exception with HTTP 404")
    expect_error(lambda: groups.list_members(gid), 404, "list_members after delete")
    ok("list_members after delete: SDK exception with HTTP 404")
    ids = [g.id for g in groups.list().content()]
    check(ids == [other.id], "list after delete", f"got {ids}")
    ok("list after delete: only the other group is left")

    groups.delete(other.id)
    print("PASS: the Python SDK ran all seven Groups operations as documented", flush=True)


def main(argv):
    if len(argv) != 3:
        print(f"usage: {argv[0]} BASE_URL TOKEN", file=sys.stderr)
        return 2
    try:
        run(argv[1], argv[2])
    except CheckFailed as e:
        print(f"FAIL: {e}", flush=True)
        return 1
    except Exception:  # an SDK exception where none was expected, a parse error, ...
        print("FAIL: unexpected exception:", flush=True)
        traceback.print_exc(file=sys.stdout)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
