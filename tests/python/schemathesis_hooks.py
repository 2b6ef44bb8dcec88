"""Schemathesis hooks for specs/openapi.yaml: the inputs the documents leave open.

Load with `SCHEMATHESIS_HOOKS=tests/python/schemathesis_hooks.py` (run_schemathesis.py does).

`specs/openapi.yaml` states, for each request, what EVERY document accepts (its positive space)
and what every document rejects. A few inputs fall between: the documents disagree, so a correct
server may accept them or reject them (reference/groups-api.md; docs/openapi.md lists them):

* `"name": ""` in create, update, replace: SPEC-NOW `[1 .. 20]` vs `<= 20` and OLD-DOC "Max 20"
  (groups-api.md §2.1, §7.2): 2xx or 400.
* A create without `name` (or with `"name": null`): schemas never require it, SPEC-NOW prose says
  "A new group must be created with a group name" (§1, §7.2): 201 or 400.
* A create with no body at all (and so no Content-Type): 415 "The Content-Type header is missing"
  (§4.2), or read as `{}` like the Python SDK's empty create (§9.1): 201 or 415.
* `page_size` above 100 in a list: "Max 100" (§3), but list errors are undocumented: 400 or 200
  (clamped to 100).
* Any request may be answered 429 "too many outstanding requests" (§4.2), which every operation
  declares: a finding on a 429 answer (a check expecting 401, 404, a 2xx, ...) is dropped.

The schema cannot say "either" to Schemathesis, which sends a schema-valid request as positive
(ST202 if rejected) and a schema-invalid one as negative (ST201 if accepted). This hook drops
exactly those two findings when the open input is what made the difference:

* ST202 (positive data rejected with 400 or 415) on a create whose body has no `name`, or has
  no body;
* ST201 (negative data accepted) when the case becomes schema-valid once its open values are
  replaced by undisputed ones (`""` -> `"x"`, no body -> `{}`, `page_size` > 100 -> 100), i.e.
  when nothing else in it was invalid.

Every other finding stands.

The module also registers one check, `undeclared_media_type_rejected`: Schemathesis' coverage
phase sends each body-taking operation its body under an undeclared `Content-Type`
(`text/plain`, or `multipart/form-data` without a boundary), but 4.32.5 only reports such a
probe when the answer is a 5xx. The documents give it an answer: 415 "The Content-Type header is
missing or unsupported. Most operations expect application/json" (groups-api.md §4.2). The check
fails when such a request is accepted (2xx); any 4xx passes (404 for an unknown group may come
first: the order of the checks is not documented).
"""

import re

import schemathesis
from schemathesis.core import NOT_SET
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.generation.meta import CONTENT_TYPE_PROBES, coverage_scenario

try:  # the class lives with the OpenAPI checks in 4.x
    from schemathesis.openapi.checks import RejectedPositiveData
except ImportError:  # pragma: no cover - layout of another 4.x release
    from schemathesis.specs.openapi.checks import RejectedPositiveData

CREATE = "CreateGroup"
LIST = "ListGroups"
NAMED_BODIES = {"CreateGroup", "UpdateGroup", "ReplaceGroup"}
INTEGER = re.compile(r"^\+?[0-9]+$")


def _operation_id(case):
    definition = getattr(case.operation, "definition", None)
    raw = getattr(definition, "raw", None)
    if isinstance(raw, dict) and raw.get("operationId"):
        return raw["operationId"]
    return case.operation.label


def _negative_locations(case):
    meta = case.meta
    if meta is None:
        return None
    return {
        getattr(location, "value", str(location))
        for location, component in meta.components.items()
        if component.mode.is_negative
    }


def _repaired_body(op, body):
    """The body with its open values made undisputed, or None when nothing was open."""
    if op == CREATE and body is NOT_SET:
        return {}
    if op in NAMED_BODIES and isinstance(body, dict) and body.get("name") == "":
        return dict(body, name="x")
    return None


def _body_valid(case, body):
    declared = case.operation.get_body_for_media_type(case.media_type or "application/json")
    return declared is not None and declared.is_valid(body)


def _query_open_only(op, query):
    """Whether the query's only fault is a page_size above 100 (page, if present, is fine)."""
    if op != LIST or not isinstance(query, dict) or not set(query) <= {"page", "page_size"}:
        return False

    def integer(value):
        text = str(value[0] if isinstance(value, list) and len(value) == 1 else value)
        return int(text) if INTEGER.match(text) else None

    page_size = integer(query.get("page_size"))
    page_ok = "page" not in query or integer(query["page"]) is not None
    return page_ok and page_size is not None and page_size > 100


def negative_case_is_open(case):
    """A negative case that is invalid only through inputs the documents leave open."""
    op = _operation_id(case)
    locations = _negative_locations(case)
    if not locations:
        return False
    for location in locations:
        if location == "body":
            repaired = _repaired_body(op, case.body)
            if repaired is None or not _body_valid(case, repaired):
                return False
        elif location == "query":
            if not _query_open_only(op, case.query):
                return False
        else:
            return False
    return True


def positive_case_is_open(case, status):
    """A positive create without a name or without a body, rejected as the documents allow."""
    if _operation_id(case) != CREATE or status not in (400, 415):
        return False
    body = case.body
    return body is NOT_SET or (isinstance(body, dict) and body.get("name") is None)


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keep a failure unless an input the documents leave open (or a 429) explains it."""
    if response is not None and response.status_code == 429:
        return False
    if isinstance(failure, RejectedPositiveData):
        return not positive_case_is_open(case, response.status_code)
    if isinstance(failure, AcceptedNegativeData):
        return not negative_case_is_open(case)
    return True


@schemathesis.check
def undeclared_media_type_rejected(ctx, response, case):
    """A body sent under an undeclared Content-Type is not accepted (groups-api.md §4.2: 415)."""
    if case.operation.body and coverage_scenario(case) in CONTENT_TYPE_PROBES:
        if 200 <= response.status_code < 300:
            raise AssertionError(
                f"A body with `Content-Type: {case.headers.get('Content-Type')}` was accepted "
                f"with {response.status_code}; expected 415 Unsupported Media Type "
                "(groups-api.md §4.2: the Content-Type header is missing or unsupported)"
            )
    return None
