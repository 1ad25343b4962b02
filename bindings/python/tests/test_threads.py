"""DESIGN.md §10: threads sharing one vault lose no update.

8 Python threads hammer one Vault (ctypes releases the GIL, so they really
run concurrently in the library): each works on its own integration
(connect / update / test / disconnect / reconnect) and all of them update,
test and reveal one shared integration."""

import threading

import linkvault as lv
from conftest import SLACK_TOKEN

THREADS = 8
ROUNDS = 20


def test_eight_threads_lose_no_update(vault, admin):
    tenant = vault.tenant("acme")
    shared = tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN}, name="shared")
    start = threading.Barrier(THREADS)
    failures = []
    written = set()
    written_lock = threading.Lock()

    def worker(number):
        try:
            actor = lv.Actor("u-%d" % number, "Worker %d" % number, role="admin")
            start.wait()
            own = tenant.connect(actor, "gmail", {"access_token": "ya29.worker-%d-start" % number},
                                 name="worker-%d" % number)
            for round_number in range(ROUNDS):
                token = "ya29.worker-%d-round-%03d" % (number, round_number)
                tenant.update_credentials(actor, own.id, {"access_token": token})
                result = tenant.test(actor, own.id, lambda creds, token=token: (
                    creds == {"access_token": token}, "saw %s" % creds.get("access_token", "")[-9:]))
                assert result.success, result.message
                shared_token = "xoxb-shared-%d-%03d" % (number, round_number)
                with written_lock:  # before the write: another thread may read it at once
                    written.add(shared_token)
                tenant.update_credentials(actor, shared.id, {"bot_token": shared_token})
                tenant.test(actor, shared.id, lambda creds: (True, "ok"))
                revealed = tenant.reveal_credentials(actor, shared.id)["bot_token"]
                with written_lock:
                    assert revealed in written  # never a torn or foreign value
                tenant.get(shared.id)
                tenant.activity(shared.id, limit=5)
            tenant.disconnect(actor, own.id)
            again = tenant.connect(actor, "gmail", {"access_token": "ya29.worker-%d-final" % number},
                                   name="worker-%d" % number)
            assert again.id == own.id
        except BaseException as error:  # reported by the main thread
            failures.append((number, repr(error)))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []

    # No lost update: every change left exactly one activity entry.
    everything = tenant.activity(limit=1000)
    everything += tenant.activity(limit=1000, before=everything[-1].id) if len(everything) == 1000 else []
    shared_actions = [e.action for e in everything if e.integration_id == shared.id]
    assert shared_actions.count("credentials_updated") == THREADS * ROUNDS
    assert shared_actions.count("test_success") == THREADS * ROUNDS
    assert shared_actions.count("credentials_revealed") == THREADS * ROUNDS
    assert tenant.reveal_credentials(admin, shared.id)["bot_token"] in written

    for number in range(THREADS):
        own = tenant.find("gmail", name="worker-%d" % number)
        assert own.status == "connected"
        assert tenant.reveal_credentials(admin, own.id) == {
            "access_token": "ya29.worker-%d-final" % number}
        actions = [e.action for e in tenant.activity(own.id, limit=1000)]
        assert actions.count("credentials_updated") == ROUNDS
        assert actions.count("test_success") == ROUNDS
        assert actions.count("connected") == 2
        assert actions.count("disconnected") == 1

    # The chain is whole: sequences 1..n without gaps, and it verifies.
    total = len(tenant.activity(limit=1000)) if len(everything) < 1000 else None
    sequences = sorted(e.sequence for e in everything)
    assert sequences == list(range(1, len(sequences) + 1))
    report = vault.verify_audit()
    assert report["ok"] is True
    assert report["first_bad"] is None
    if total is not None:
        assert report["checked"] == total


def test_threads_on_distinct_tenants(vault, admin):
    failures = []

    def worker(number):
        try:
            tenant = vault.tenant("tenant-%d" % number)
            for round_number in range(10):
                integration = tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN},
                                             name="n%d" % round_number)
                tenant.test(admin, integration.id, lambda creds: (round_number % 2 == 0, "r"))
        except BaseException as error:
            failures.append(repr(error))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert failures == []
    for number in range(THREADS):
        tenant = vault.tenant("tenant-%d" % number)
        assert len(tenant.list()) == 10
        assert len(tenant.list(status="error")) == 5
    assert vault.verify_audit() == {"checked": THREADS * 20, "ok": True, "first_bad": None}


def test_close_while_other_threads_call_never_crashes(vault_path, admin):
    from conftest import TEST_KEY
    vault = lv.Vault.open(vault_path, key=TEST_KEY)
    tenant = vault.tenant("acme")
    integration = tenant.connect(admin, "slack", {"bot_token": SLACK_TOKEN})
    outcomes = []
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            try:
                tenant.get(integration.id)
                outcomes.append("ok")
            except lv.FailedPrecondition:
                outcomes.append("closed")
                return
            except BaseException as error:
                outcomes.append(repr(error))
                return

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    vault.close()
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    assert set(outcomes) <= {"ok", "closed"}
