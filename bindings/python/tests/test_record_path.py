"""The record path from Python (issue 12, docs/SEMANTICS.md "Records"):
field mappings (own rules, the provider's defaults, validation), map_records
and its RecordBatch (created / updated / unchanged across commits, failures
counted and the first 100 reported, bad payloads), commit_records, batches
inside a sync job (progress and summary counts, a stale worker after its
lease was reclaimed), field_mapping_update, finish_full_sync, purge, and the
batch object's ownership and misuse.

Killing a worker between map and commit is in test_records_kill.py.
"""

import json
import re
import time

import pytest

import linkvault as lv

UNKNOWN_ID = "01900000-0000-7000-8000-000000000000"

RULES = [
    {"target": "name", "source": "/name", "required": True},
    {"target": "email", "source": "/contact/email", "transform": ["trim", "lower"]},
    {"target": "tier", "source": "/plan", "default": "basic"},
]
# What field_mappings returns for RULES: every key written, "default" only when set.
RULES_AS_STORED = [
    {"target": "name", "source": "/name", "transform": [], "required": True},
    {"target": "email", "source": "/contact/email", "transform": ["trim", "lower"],
     "required": False},
    {"target": "tier", "source": "/plan", "transform": [], "required": False,
     "default": "basic"},
]


def client(number, name=None, email=None, plan=None):
    record = {"id": "c%d" % number, "name": name or "Client %d" % number,
              "contact": {"email": email or " Client%d@Example.COM " % number}}
    if plan is not None:
        record["plan"] = plan
    return record


def page(*records):
    return json.dumps(list(records))


def mapped(number, plan="basic"):
    """What RULES make of client(number)."""
    return {"name": "Client %d" % number, "email": "client%d@example.com" % number, "tier": plan}


def map_and_commit(tenant, integration, payload, **options):
    with tenant.map_records(integration, payload, **options) as batch:
        tenant.commit_records(batch)
        return batch.counts


@pytest.fixture
def crm(tenant, admin):
    """acme's HoneyBook (a catalog CRM with default client mappings)."""
    return tenant.connect(admin, "honeybook", {"access_token": "hb-access-token-0001"})


@pytest.fixture
def ruled(tenant, admin, crm):
    """acme's HoneyBook with RULES as its own mappings."""
    tenant.set_field_mappings(admin, crm, RULES)
    return crm


@pytest.fixture
def running_import(vault, tenant, admin, ruled):
    """A full_import of `ruled`, claimed by worker-1."""
    job = tenant.enqueue_sync(admin, ruled, "full_import")
    claimed = vault.claim_job("worker-1", lease_seconds=60)
    assert claimed is not None and claimed.id == job.id
    return claimed


# ------------------------------------------------------------ field mappings --

def test_a_catalog_crm_carries_default_client_mappings(vault, tenant, crm):
    spec = next(p for p in vault.providers() if p["key"] == "honeybook")
    assert spec["record_kind"] == "clients"
    defaults = tenant.field_mappings(crm)
    assert defaults == spec["field_mappings"]
    targets = [rule["target"] for rule in defaults]
    for target in ("first_name", "last_name", "email", "phone", "event_date", "venue", "notes",
                   "custom_fields"):
        assert target in targets
    email = next(rule for rule in defaults if rule["target"] == "email")
    assert email["required"] is True and email["transform"] == ["trim", "lower"]


def test_own_rules_replace_the_defaults_until_cleared(tenant, admin, crm):
    defaults = tenant.field_mappings(crm.id)
    tenant.set_field_mappings(admin, crm, RULES)
    assert tenant.field_mappings(crm) == RULES_AS_STORED
    # Setting the stored form again is the same set of rules.
    tenant.set_field_mappings(admin, crm.id, RULES_AS_STORED)
    assert tenant.field_mappings(crm) == RULES_AS_STORED
    tenant.set_field_mappings(admin, crm, [])
    assert tenant.field_mappings(crm) == defaults


def test_a_registered_provider_may_carry_mappings(vault, tenant, admin):
    vault.register_provider({
        "key": "mini_crm", "name": "Mini CRM", "auth_type": "api_key",
        "credential_fields": [{"name": "token", "type": "secret", "required": True}],
        "record_kind": "clients",
        "field_mappings": [{"target": "email", "source": "/mail", "transform": ["lower"]}]})
    mini = tenant.connect(admin, "mini_crm", {"token": "tok-mini-0001"})
    assert tenant.field_mappings(mini) == [
        {"target": "email", "source": "/mail", "transform": ["lower"], "required": False}]
    with tenant.map_records(mini, '[{"id":1,"mail":"A@B.C"}]') as batch:
        assert batch.changed == [{"external_id": "1", "action": "created",
                                  "record": {"email": "a@b.c"}}]


def test_without_any_mappings_mapping_is_a_failed_precondition(vault, tenant, admin):
    vault.register_provider({
        "key": "bare_crm", "name": "Bare CRM", "auth_type": "api_key",
        "credential_fields": [{"name": "token", "type": "secret", "required": True}]})
    bare = tenant.connect(admin, "bare_crm", {"token": "tok-bare-0001"})
    assert tenant.field_mappings(bare) == []
    with pytest.raises(lv.FailedPrecondition):
        tenant.map_records(bare, "[]")


@pytest.mark.parametrize("rules, named", [
    ([{"target": "phone", "source": "/p", "transform": ["shout"]}], "phone"),
    ([{"target": "a", "source": "/a", "colour": "red"}], "colour"),
    ([{"target": "a", "source": "no-slash"}], "a"),
    ([{"target": "a", "source": "/a~2"}], "a"),
    ([{"target": "a", "source": "/a", "required": True, "default": 1}], "a"),
    ([{"target": "a", "source": "/a"}, {"target": "a", "source": "/b"}], "a"),
    ([{"target": "", "source": "/a"}], "target"),
    ([{"source": "/a"}], "target"),
    ([{"target": "a", "source": "/a", "required": "yes"}], "required"),
    ([{"target": "t%d" % n, "source": "/x"} for n in range(257)], "256"),
])
def test_bad_rules_are_refused_by_name_and_change_nothing(tenant, admin, ruled, rules, named):
    with pytest.raises(lv.InvalidArgument) as error:
        tenant.set_field_mappings(admin, ruled, rules)
    assert named in str(error.value)
    assert tenant.field_mappings(ruled) == RULES_AS_STORED


@pytest.mark.parametrize("rules", [
    "[]", b"[]", {"target": "a", "source": "/a"}, 5, None, ["not a dict"],
    [{1: "a"}], [{"target": "a", "source": "/a", "default": {2: "x"}}],
    [{"target": "a", "source": "/a", "default": float("nan")}],
])
def test_rules_of_the_wrong_python_type_are_invalid_arguments(tenant, admin, ruled, rules):
    with pytest.raises(lv.InvalidArgument):
        tenant.set_field_mappings(admin, ruled, rules)
    assert tenant.field_mappings(ruled) == RULES_AS_STORED


def test_setting_mappings_needs_admin_and_the_tenants_own_integration(
        tenant, other_tenant, admin, member, ruled):
    with pytest.raises(lv.PermissionDenied):
        tenant.set_field_mappings(member, ruled, [])
    with pytest.raises(lv.NotFound):
        other_tenant.set_field_mappings(admin, ruled, [])
    with pytest.raises(lv.NotFound):
        other_tenant.field_mappings(ruled)
    with pytest.raises(lv.NotFound):
        tenant.field_mappings(UNKNOWN_ID)
    with pytest.raises(lv.InvalidArgument):
        tenant.set_field_mappings("admin", ruled, [])
    assert tenant.field_mappings(ruled) == RULES_AS_STORED


# ------------------------------------------------------------ map and commit --

def test_created_then_unchanged_then_updated_across_commits(tenant, ruled):
    first = page(client(1), client(2), client(3))
    with tenant.map_records(ruled, first) as batch:
        assert batch.counts == {"created": 3, "updated": 0, "unchanged": 0, "failed": 0}
        assert batch.errors == []
        assert batch.integration_id == ruled.id
        assert batch.job_id is None and batch.worker_id is None
        assert batch.changed == [
            {"external_id": "c%d" % n, "action": "created", "record": mapped(n)}
            for n in (1, 2, 3)]
        # Not remembered until committed.
        with tenant.map_records(ruled, first) as again:
            assert again.counts["created"] == 3
        tenant.commit_records(batch)
        tenant.commit_records(batch)  # harmless

    with tenant.map_records(ruled, first) as batch:
        assert batch.counts == {"created": 0, "updated": 0, "unchanged": 3, "failed": 0}
        assert batch.changed == []

    # c2 changed plan, c4 is new, c1 unchanged; c3 absent (not a deletion here).
    second = page(client(1), client(2, plan="gold"), client(4))
    counts = map_and_commit(tenant, ruled, second)
    assert counts == {"created": 1, "updated": 1, "unchanged": 1, "failed": 0}
    with tenant.map_records(ruled, second) as batch:
        assert batch.counts == {"created": 0, "updated": 0, "unchanged": 3, "failed": 0}


def test_changed_lists_updates_with_the_new_record(tenant, ruled):
    map_and_commit(tenant, ruled, page(client(1), client(2)))
    with tenant.map_records(ruled, page(client(2, plan="gold"), client(1))) as batch:
        assert batch.changed == [
            {"external_id": "c2", "action": "updated", "record": mapped(2, "gold")}]


def test_the_catalog_defaults_map_a_honeybook_page(tenant, crm):
    payload = {"data": [{
        "id": 981, "first_name": "  Ada ", "last_name": "Lovelace",
        "email": " Ada@Example.COM", "phone": "+1 (555) 010-0199",
        "project": {"event_date": "2026-09-12T16:00:00-04:00", "venue": " Old Mill "},
        "notes": "two photographers", "custom_fields": {"guests": 120, "style": "boho"}}]}
    with tenant.map_records(crm, json.dumps(payload), records_at="/data") as batch:
        assert batch.counts["created"] == 1
        record = batch.changed[0]["record"]
    assert batch.changed[0]["external_id"] == "981"
    assert record["first_name"] == "Ada" and record["last_name"] == "Lovelace"
    assert record["email"] == "ada@example.com"
    assert record["phone"] == "+15550100199"
    assert record["event_date"] == "2026-09-12"
    assert record["venue"] == "Old Mill"
    assert record["custom_fields"] == {"guests": 120, "style": "boho"}


def test_records_at_and_id_at_point_into_the_payload(tenant, ruled):
    payload = json.dumps({"result": {"clients": [
        {"key": {"n": 7}, "name": "Eve"}, {"key": {"n": "x/8"}, "name": "Finn"}]}})
    with tenant.map_records(ruled, payload, records_at="/result/clients", id_at="/key/n") as batch:
        assert [item["external_id"] for item in batch.changed] == ["7", "x/8"]


def test_failures_are_counted_and_reported_without_values(tenant, ruled):
    records = [client(1), {"id": "c2", "contact": {"email": "secret@example.com"}},
               {"name": "No Id"}, client(1), {"id": 4.5, "name": "Float Id"}]
    with tenant.map_records(ruled, page(*records)) as batch:
        assert batch.counts == {"created": 1, "updated": 0, "unchanged": 0, "failed": 4}
        errors = batch.errors
    assert [(e["index"], e["external_id"], e["field"]) for e in errors] == [
        (1, "c2", "name"), (2, None, "/id"), (3, None, "/id"), (4, None, "/id")]
    assert "duplicate" in errors[2]["message"]
    for error in errors:
        assert error["message"]
        assert "secret@example.com" not in error["message"]


def test_errors_keep_the_first_100_and_counts_count_all(tenant, ruled):
    records = [{"id": "bad-%d" % n} for n in range(250)] + [client(1)]
    with tenant.map_records(ruled, page(*records)) as batch:
        assert batch.counts == {"created": 1, "updated": 0, "unchanged": 0, "failed": 250}
        errors = batch.errors
    assert len(errors) == 100
    assert [e["external_id"] for e in errors] == ["bad-%d" % n for n in range(100)]
    assert all(e["field"] == "name" for e in errors)


@pytest.mark.parametrize("payload", [
    '[{"id":"c1","name":"Ann"},{"id":',          # truncated
    '[{"id":"c1","name":"Ann"}]]',              # trailing bracket
    '[{"id":"c1","name":"Ann",}]',              # trailing comma
    b'[{"id":"c1","name":"\xc3\x28"}]',         # invalid UTF-8
    "",
])
def test_malformed_payloads_are_invalid_arguments_with_the_offset(tenant, ruled, payload):
    with pytest.raises(lv.InvalidArgument) as error:
        tenant.map_records(ruled, payload)
    assert re.search(r"offset \d+", str(error.value)), str(error.value)


@pytest.mark.parametrize("payload, options", [
    ('{"id":1}', {}),                              # not an array
    ('{"a":{}}', {"records_at": "/a"}),            # records_at not an array
    ('{"a":[]}', {"records_at": "/b"}),            # records_at missing
    ("[]", {"records_at": "a"}),                   # not a pointer
    ("[]", {"id_at": "/a~2"}),                     # a bad escape
])
def test_bad_pointers_and_shapes_are_invalid_arguments(tenant, ruled, payload, options):
    with pytest.raises(lv.InvalidArgument):
        tenant.map_records(ruled, payload, **options)


def test_every_payload_type_maps_the_same(tenant, ruled):
    text = page(client(1), client(2, name="Zoë"))
    encoded = text.encode("utf-8")
    changed = []
    for payload in (text, encoded, bytearray(encoded), memoryview(encoded),
                    memoryview(bytearray(encoded))):
        with tenant.map_records(ruled, payload) as batch:
            changed.append(batch.changed)
    assert all(item == changed[0] for item in changed)
    assert changed[0][1]["record"]["name"] == "Zoë"


@pytest.mark.parametrize("arguments", [
    {"payload": 5}, {"payload": None}, {"payload": ["[]"]}, {"payload": {"a": 1}},
    {"payload": "[\ud800]"},
    {"payload": "[]", "records_at": None}, {"payload": "[]", "records_at": b"/a"},
    {"payload": "[]", "id_at": 1}, {"payload": "[]", "id_at": "/i\0d"},
    {"payload": "[]", "job_id": 1, "worker_id": "w"},
    {"payload": "[]", "job_id": UNKNOWN_ID},
    {"payload": "[]", "worker_id": "worker-1"},
])
def test_map_arguments_of_the_wrong_type_are_invalid_arguments(tenant, ruled, arguments):
    with pytest.raises(lv.InvalidArgument):
        tenant.map_records(ruled, **arguments)


def test_map_is_scoped_to_the_tenant(tenant, other_tenant, ruled):
    with pytest.raises(lv.NotFound):
        other_tenant.map_records(ruled, "[]")
    with pytest.raises(lv.NotFound):
        tenant.map_records(UNKNOWN_ID, "[]")


def test_two_tenants_hash_apart_and_a_batch_stays_in_its_tenant(tenant, other_tenant, admin,
                                                                ruled):
    theirs = other_tenant.connect(admin, "honeybook", {"access_token": "hb-globex-0001"})
    other_tenant.set_field_mappings(admin, theirs, RULES)
    payload = page(client(1))
    map_and_commit(tenant, ruled, payload)
    with other_tenant.map_records(theirs, payload) as batch:
        assert batch.counts["created"] == 1
        with pytest.raises(lv.InvalidArgument):
            tenant.commit_records(batch)
        other_tenant.commit_records(batch)
    with tenant.map_records(ruled, payload) as batch:
        assert batch.counts["unchanged"] == 1


# ------------------------------------------------------------ the batch object --

def test_a_batch_is_read_only_and_hands_out_copies(tenant, ruled):
    with tenant.map_records(ruled, page(client(1), {"id": "x"})) as batch:
        # The records are decoded once and handed out as the batch's list.
        assert batch.changed is batch.changed
        assert batch.changed[0]["record"] == mapped(1)
        batch.counts["created"] = 99
        assert batch.counts["created"] == 1
        batch.errors.clear()
        assert len(batch.errors) == 1
        with pytest.raises(AttributeError):
            batch.counts = {}
        with pytest.raises(AttributeError):
            batch.anything = 1
        assert "created=1" in repr(batch)


def test_a_closed_batch_keeps_its_counts_but_cannot_be_committed(tenant, ruled):
    batch = tenant.map_records(ruled, page(client(1)))
    batch.close()
    batch.close()  # idempotent
    assert batch.closed
    assert batch.counts["created"] == 1
    assert len(batch.changed) == 1  # Python's copy outlives the native batch
    with pytest.raises(lv.InvalidArgument):
        tenant.commit_records(batch)
    with tenant.map_records(ruled, page(client(1))) as again:
        assert again.counts["created"] == 1  # nothing was committed
    assert again.closed


@pytest.mark.parametrize("not_a_batch", [None, "batch", {"changed": []}, 5])
def test_commit_takes_only_a_record_batch(tenant, not_a_batch):
    with pytest.raises(lv.InvalidArgument):
        tenant.commit_records(not_a_batch)


def test_a_batch_outlives_its_vault(vault, tenant, ruled):
    batch = tenant.map_records(ruled, page(client(1)))
    vault.close()
    assert batch.changed[0]["external_id"] == "c1"
    with pytest.raises(lv.FailedPrecondition):
        tenant.commit_records(batch)
    batch.close()


def test_record_batch_is_exported():
    assert "RecordBatch" in lv.__all__
    assert lv.RecordBatch.__module__ == "linkvault.record_batch"


# ------------------------------------------------------------ inside a job --

def test_a_job_bound_commit_moves_progress_and_summary(vault, tenant, ruled, running_import):
    job = running_import
    with tenant.map_records(ruled, page(client(1), client(2), {"id": "c3"}),
                            job_id=job, worker_id="worker-1") as batch:
        assert batch.job_id == job.id and batch.worker_id == "worker-1"
        tenant.commit_records(batch)
    after = tenant.get_job(job)
    assert after.records_processed == 3
    assert after.summary["created"] == 2 and after.summary["failed"] == 1
    assert after.summary["errors"][0]["external_id"] == "c3"

    heartbeat = vault.heartbeat(job.id, "worker-1", total=5)
    assert heartbeat.records_processed == 3 and heartbeat.progress_percent == 60
    with tenant.map_records(ruled, page(client(1), client(4)), job_id=job.id,
                            worker_id="worker-1") as batch:
        tenant.commit_records(batch)
    assert tenant.get_job(job).progress_percent == 100

    done = vault.complete_job(job.id, "worker-1", summary={"pages": 2, "created": -1})
    assert done.summary["pages"] == 2
    assert {key: done.summary[key] for key in
            ("created", "updated", "unchanged", "failed", "deleted")} == {
        "created": 3, "updated": 0, "unchanged": 1, "failed": 1, "deleted": 0}


def test_a_job_bound_map_checks_the_job(vault, tenant, admin, ruled, running_import, crm):
    job = running_import
    with pytest.raises(lv.Conflict):
        tenant.map_records(ruled, "[]", job_id=job, worker_id="worker-2")
    with pytest.raises(lv.NotFound):
        tenant.map_records(ruled, "[]", job_id=UNKNOWN_ID, worker_id="worker-1")
    other = tenant.connect(admin, "honeybook", {"access_token": "hb-second-0001"},
                           name="second")
    tenant.set_field_mappings(admin, other, RULES)
    with pytest.raises(lv.InvalidArgument):
        tenant.map_records(other, "[]", job_id=job, worker_id="worker-1")
    vault.complete_job(job, "worker-1")
    with pytest.raises(lv.FailedPrecondition):
        tenant.map_records(ruled, "[]", job_id=job, worker_id="worker-1")


def test_a_stale_worker_cannot_commit_after_its_job_was_reclaimed(vault, tenant, admin, ruled):
    job = tenant.enqueue_sync(admin, ruled, "full_import")
    vault.claim_job("worker-1", lease_seconds=0.05)
    stale = tenant.map_records(ruled, page(client(1)), job_id=job, worker_id="worker-1")
    time.sleep(0.3)  # only makes sure the lease has passed
    reclaimed = vault.claim_job("worker-2", lease_seconds=60)
    assert reclaimed.id == job.id
    with pytest.raises(lv.Conflict):
        tenant.commit_records(stale)
    with tenant.map_records(ruled, page(client(1)), job_id=job, worker_id="worker-2") as batch:
        assert batch.counts["created"] == 1  # the stale commit wrote nothing
        tenant.commit_records(batch)
    with pytest.raises(lv.Conflict):
        tenant.commit_records(stale)
    stale.close()
    assert tenant.get_job(job).records_processed == 1


def test_the_same_worker_cannot_commit_across_its_own_reclaim(vault, tenant, admin, ruled):
    job = tenant.enqueue_sync(admin, ruled, "full_import")
    vault.claim_job("worker-1", lease_seconds=0.05)
    stale = tenant.map_records(ruled, page(client(1)), job_id=job, worker_id="worker-1")
    time.sleep(0.3)
    assert vault.claim_job("worker-1", lease_seconds=60).id == job.id  # a new lease
    with pytest.raises(lv.Conflict):
        tenant.commit_records(stale)
    stale.close()


def test_a_field_mapping_update_job_reports_every_record_updated(vault, tenant, admin, ruled):
    payload = page(client(1), client(2))
    map_and_commit(tenant, ruled, payload)
    job = tenant.enqueue_sync(admin, ruled, "field_mapping_update")
    vault.claim_job("worker-1", lease_seconds=60)
    with tenant.map_records(ruled, payload, job_id=job, worker_id="worker-1") as batch:
        assert batch.counts == {"created": 0, "updated": 2, "unchanged": 0, "failed": 0}
        assert [item["action"] for item in batch.changed] == ["updated", "updated"]
        tenant.commit_records(batch)
    vault.complete_job(job, "worker-1")
    with tenant.map_records(ruled, payload) as batch:
        assert batch.counts["unchanged"] == 2


# ------------------------------------------------------------ deletions --

def run_full_import(vault, tenant, admin, integration, payload, outcome="success"):
    job = tenant.enqueue_sync(admin, integration, "full_import")
    vault.claim_job("worker-1", lease_seconds=60)
    with tenant.map_records(integration, payload, job_id=job, worker_id="worker-1") as batch:
        tenant.commit_records(batch)
    return vault.complete_job(job, "worker-1", outcome=outcome)


def test_finish_full_sync_forgets_what_the_import_did_not_see(vault, tenant, admin, ruled):
    run_full_import(vault, tenant, admin, ruled, page(client(1), client(2), client(3)))
    time.sleep(0.01)  # the next job starts after the commits above (millisecond times)
    job = run_full_import(vault, tenant, admin, ruled, page(client(3), client(1)))
    assert tenant.finish_full_sync(ruled, job) == ["c2"]
    assert tenant.finish_full_sync(ruled.id, job.id) == []
    assert tenant.get_job(job).summary["deleted"] == 1
    with tenant.map_records(ruled, page(client(1), client(2))) as batch:
        assert batch.counts == {"created": 1, "updated": 0, "unchanged": 1, "failed": 0}


def test_finish_full_sync_needs_a_successful_full_import(vault, tenant, admin, ruled,
                                                         other_tenant):
    partial = run_full_import(vault, tenant, admin, ruled, page(client(1)), outcome="partial")
    with pytest.raises(lv.FailedPrecondition):
        tenant.finish_full_sync(ruled, partial)
    job = tenant.enqueue_sync(admin, ruled, "incremental_sync")
    with pytest.raises(lv.FailedPrecondition):
        tenant.finish_full_sync(ruled, job)  # pending, and not a full import
    vault.claim_job("worker-1")
    vault.complete_job(job, "worker-1")
    with pytest.raises(lv.FailedPrecondition):
        tenant.finish_full_sync(ruled, job)
    with pytest.raises(lv.NotFound):
        tenant.finish_full_sync(ruled, UNKNOWN_ID)
    with pytest.raises(lv.NotFound):
        other_tenant.finish_full_sync(ruled, partial)
    with pytest.raises(lv.InvalidArgument):
        tenant.finish_full_sync(ruled, None)


def test_purge_forgets_the_tenants_records(vault, tenant, admin, crm):
    payload = page(client(1), client(2))
    tenant.set_field_mappings(admin, crm, RULES)
    map_and_commit(tenant, crm, payload)
    vault.purge_tenant(admin, tenant.id)
    again = tenant.connect(admin, "honeybook", {"access_token": "hb-access-token-0002"})
    tenant.set_field_mappings(admin, again, RULES)
    assert tenant.field_mappings(again) == RULES_AS_STORED
    with tenant.map_records(again, payload) as batch:
        assert batch.counts["created"] == 2
