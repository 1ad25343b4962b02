// The OAuthStore half of the Store conformance suite: what every backend
// must guarantee for refresh leases, OAuth clients, pending grants, rate
// buckets and the expiring-token queries (store/oauth_store.hpp), written
// against the seam and make_conformance_backend() only. Races run 8 threads,
// each with its own Store, as 8 processes would.
#include "backend.hpp"
#include "in_write.hpp"
#include "run_threads.hpp"

#include "linkvault/error.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <mutex>
#include <string>
#include <vector>

using namespace linkvault;
using namespace linkvault::conformance;

namespace {

constexpr TimeMs t0 = 1'700'000'000'000;

IntegrationRecord integration(std::string_view tenant, const std::string& name,
                              IntegrationStatus status = IntegrationStatus::connected,
                              std::optional<TimeMs> expires_at = std::nullopt) {
  IntegrationRecord record;
  Integration& i = record.integration;
  i.id = std::string(tenant) + "/" + name;
  i.tenant = std::string(tenant);
  i.provider = "gmail";
  i.name = name;
  i.status = status;
  i.expires_at = expires_at;
  i.connected_by = "u-conformance";
  i.created_at = t0;
  i.updated_at = t0;
  record.sealed_credentials = {1, 2, 3};
  return record;
}

std::array<std::uint8_t, 32> hash_of(std::uint8_t fill) {
  std::array<std::uint8_t, 32> hash{};
  hash.fill(fill);
  hash[31] = 0x5A;  // not all one byte: a reader that truncates would differ
  return hash;
}

OAuthGrantRecord grant(std::uint8_t fill, std::string_view tenant, TimeMs expires_at) {
  OAuthGrantRecord record;
  record.state_hash = hash_of(fill);
  record.tenant = std::string(tenant);
  record.integration_id = std::string(tenant) + "/default";
  record.sealed_verifier = {9, 8, 7, fill};
  record.redirect_uri = "https://app.example/callback";
  record.created_at = expires_at - 600'000;
  record.expires_at = expires_at;
  return record;
}

ErrorCode code_of(const std::function<void()>& operation) {
  try {
    operation();
  } catch (const Error& error) {
    return error.code();
  }
  return ErrorCode::ok;
}

RefreshState state_of(Store& store, std::string_view tenant, std::string_view id) {
  return store.session()->load_refresh_state(tenant, id);
}

std::vector<std::string> ids_of(const std::vector<Integration>& integrations) {
  std::vector<std::string> ids;
  for (const Integration& i : integrations) ids.push_back(i.id);
  return ids;
}

}  // namespace

// ---- refresh leases --------------------------------------------------------

TEST_CASE("conformance: an integration without a refresh row reads as no lease, no failures") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  const RefreshState state = state_of(*store, "acme", "acme/default");
  CHECK(state.lease_token.empty());
  CHECK(state.lease_until == 0);
  CHECK(state.failures == 0);
  CHECK(state.cooldown_until == 0);
}

TEST_CASE("conformance: take_refresh_lease takes a free or expired lease, never a live one") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  const std::string id = "acme/default";
  in_write(*store, [&](StoreSession& s) { CHECK(s.take_refresh_lease("acme", id, "a", t0, t0 + 100)); });
  CHECK(state_of(*store, "acme", id).lease_token == "a");
  CHECK(state_of(*store, "acme", id).lease_until == t0 + 100);

  SUBCASE("a live lease is refused, and nothing changes") {
    in_write(*store, [&](StoreSession& s) {
      CHECK_FALSE(s.take_refresh_lease("acme", id, "b", t0 + 99, t0 + 500));
    });
    const RefreshState state = state_of(*store, "acme", id);
    CHECK(state.lease_token == "a");
    CHECK(state.lease_until == t0 + 100);
  }
  SUBCASE("an expired lease is taken over (lease_until <= now)") {
    in_write(*store, [&](StoreSession& s) {
      CHECK(s.take_refresh_lease("acme", id, "b", t0 + 100, t0 + 500));
    });
    const RefreshState state = state_of(*store, "acme", id);
    CHECK(state.lease_token == "b");
    CHECK(state.lease_until == t0 + 500);
  }
  SUBCASE("a released lease is taken at once") {
    in_write(*store, [&](StoreSession& s) {
      CHECK(s.finish_refresh("acme", id, "a", 0, 0));
      CHECK(s.take_refresh_lease("acme", id, "b", t0 + 1, t0 + 500));
    });
    CHECK(state_of(*store, "acme", id).lease_token == "b");
  }
  SUBCASE("leases are per (tenant, integration)") {
    in_write(*store, [&](StoreSession& s) {
      CHECK(s.take_refresh_lease("globex", id, "g", t0 + 1, t0 + 500));
      CHECK(s.take_refresh_lease("acme", "acme/other", "o", t0 + 1, t0 + 500));
    });
    CHECK(state_of(*store, "acme", id).lease_token == "a");
    CHECK(state_of(*store, "globex", id).lease_token == "g");
    CHECK(state_of(*store, "acme", "acme/other").lease_token == "o");
  }
}

TEST_CASE("conformance: renew and finish are fenced by the lease token") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  const std::string id = "acme/default";
  in_write(*store, [&](StoreSession& s) { CHECK(s.take_refresh_lease("acme", id, "a", t0, t0 + 100)); });

  SUBCASE("the holder renews, even past its lease while no one took it over") {
    in_write(*store, [&](StoreSession& s) {
      CHECK(s.renew_refresh_lease("acme", id, "a", t0 + 200));
      CHECK(s.renew_refresh_lease("acme", id, "a", t0 + 300));  // at t0 + 250, say
    });
    CHECK(state_of(*store, "acme", id).lease_until == t0 + 300);
  }
  SUBCASE("a token that does not hold the lease renews and finishes nothing") {
    in_write(*store, [&](StoreSession& s) {
      CHECK_FALSE(s.renew_refresh_lease("acme", id, "z", t0 + 900));
      CHECK_FALSE(s.finish_refresh("acme", id, "z", 3, t0 + 900));
      CHECK_FALSE(s.renew_refresh_lease("globex", id, "a", t0 + 900));  // another tenant's row
      CHECK_FALSE(s.finish_refresh("globex", id, "a", 3, t0 + 900));
      CHECK_FALSE(s.renew_refresh_lease("acme", id, "", t0 + 900));     // '' holds nothing
      CHECK_FALSE(s.finish_refresh("acme", id, "", 3, t0 + 900));
    });
    const RefreshState state = state_of(*store, "acme", id);
    CHECK(state.lease_token == "a");
    CHECK(state.lease_until == t0 + 100);
    CHECK(state.failures == 0);
    CHECK(state.cooldown_until == 0);
  }
  SUBCASE("after a takeover the stale holder can neither renew nor finish") {
    in_write(*store, [&](StoreSession& s) {
      CHECK(s.take_refresh_lease("acme", id, "b", t0 + 150, t0 + 400));
      CHECK_FALSE(s.renew_refresh_lease("acme", id, "a", t0 + 900));
      CHECK_FALSE(s.finish_refresh("acme", id, "a", 5, t0 + 900));
    });
    const RefreshState state = state_of(*store, "acme", id);
    CHECK(state.lease_token == "b");
    CHECK(state.lease_until == t0 + 400);
    CHECK(state.failures == 0);
    CHECK(state.cooldown_until == 0);
  }
  SUBCASE("finish writes failures and cooldown and releases the lease, once") {
    in_write(*store, [&](StoreSession& s) {
      CHECK(s.finish_refresh("acme", id, "a", 2, t0 + 30'000));
      CHECK_FALSE(s.finish_refresh("acme", id, "a", 9, t0 + 90'000));
      CHECK_FALSE(s.renew_refresh_lease("acme", id, "a", t0 + 900));
    });
    const RefreshState state = state_of(*store, "acme", id);
    CHECK(state.lease_token.empty());
    CHECK(state.lease_until == 0);
    CHECK(state.failures == 2);
    CHECK(state.cooldown_until == t0 + 30'000);
  }
  SUBCASE("a new lease keeps the failures the last refresh left") {
    in_write(*store, [&](StoreSession& s) {
      CHECK(s.finish_refresh("acme", id, "a", 4, t0 + 30'000));
      CHECK(s.take_refresh_lease("acme", id, "b", t0 + 40'000, t0 + 50'000));
    });
    const RefreshState state = state_of(*store, "acme", id);
    CHECK(state.lease_token == "b");
    CHECK(state.failures == 4);
    CHECK(state.cooldown_until == t0 + 30'000);
  }
}

TEST_CASE("conformance: takers racing from 8 stores for one lease: exactly one wins") {
  auto backend = make_conformance_backend();
  auto setup = backend->open(5000);
  const std::string id = "acme/default";
  SUBCASE("no row yet") {}
  SUBCASE("an expired lease") {
    in_write(*setup, [&](StoreSession& s) { CHECK(s.take_refresh_lease("acme", id, "old", t0 - 10, t0)); });
  }
  std::mutex mutex;
  std::vector<std::string> winners;
  run_threads([&](int t) {
    auto store = backend->open(30'000);
    const std::string token = "token-" + std::to_string(t);
    const bool won = in_write(*store, [&](StoreSession& s) {
      return s.take_refresh_lease("acme", id, token, t0 + 1, t0 + 60'000);
    });
    if (won) {
      std::lock_guard lock(mutex);
      winners.push_back(token);
    }
  });
  REQUIRE(winners.size() == 1);
  CHECK(state_of(*setup, "acme", id).lease_token == winners[0]);
}

TEST_CASE("conformance: clear_refresh_failures zeroes failures and cooldown, keeping the lease") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  const std::string id = "acme/default";
  in_write(*store, [&](StoreSession& s) {
    CHECK(s.take_refresh_lease("acme", id, "a", t0, t0 + 100));
    CHECK(s.finish_refresh("acme", id, "a", 3, t0 + 30'000));
    CHECK(s.take_refresh_lease("acme", id, "b", t0 + 1, t0 + 100));
    CHECK(s.take_refresh_lease("globex", id, "g", t0, t0 + 100));
    CHECK(s.finish_refresh("globex", id, "g", 2, t0 + 30'000));
  });
  in_write(*store, [&](StoreSession& s) {
    s.clear_refresh_failures("acme", id);
    s.clear_refresh_failures("acme", "acme/never-refreshed");  // no row: still none
  });
  const RefreshState state = state_of(*store, "acme", id);
  CHECK(state.failures == 0);
  CHECK(state.cooldown_until == 0);
  CHECK(state.lease_token == "b");
  CHECK(state.lease_until == t0 + 100);
  CHECK(state_of(*store, "globex", id).failures == 2);  // another tenant's row is untouched
  CHECK(state_of(*store, "acme", "acme/never-refreshed").failures == 0);
  in_write(*store, [&](StoreSession& s) { CHECK(s.finish_refresh("acme", id, "b", 1, 0)); });
  CHECK(state_of(*store, "acme", id).failures == 1);
}

// ---- expiring tokens -------------------------------------------------------

TEST_CASE("conformance: expiring_integrations are connected, due, soonest first, and scoped") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  in_write(*store, [&](StoreSession& s) {
    const auto add = [&](std::string_view tenant, const std::string& name, IntegrationStatus status,
                         std::optional<TimeMs> expires_at) {
      REQUIRE(s.insert_integration_within_quota(integration(tenant, name, status, expires_at))
                  .outcome == QuotaWrite::Outcome::written);
    };
    add("acme", "late", IntegrationStatus::connected, t0 + 300);
    add("acme", "soon", IntegrationStatus::connected, t0 + 100);
    add("acme", "b-tie", IntegrationStatus::connected, t0 + 200);
    add("acme", "a-tie", IntegrationStatus::connected, t0 + 200);
    add("acme", "beyond", IntegrationStatus::connected, t0 + 301);
    add("acme", "forever", IntegrationStatus::connected, std::nullopt);
    add("acme", "errored", IntegrationStatus::error, t0);
    add("acme", "pending", IntegrationStatus::pending_auth, t0);
    add("acme", "gone", IntegrationStatus::disconnected, t0);
    add("globex", "other", IntegrationStatus::connected, t0 + 150);
  });
  auto session = store->session();
  session->begin(TransactionMode::read);
  const std::vector<std::string> acme = {"acme/soon", "acme/a-tie", "acme/b-tie", "acme/late"};
  CHECK(ids_of(session->expiring_integrations("acme", t0 + 300)) == acme);  // before is inclusive
  CHECK(ids_of(session->expiring_integrations(std::nullopt, t0 + 300)) ==
        std::vector<std::string>{"acme/soon", "globex/other", "acme/a-tie", "acme/b-tie",
                                 "acme/late"});
  CHECK(ids_of(session->expiring_integrations("globex", t0 + 300)) ==
        std::vector<std::string>{"globex/other"});
  CHECK(session->expiring_integrations("acme", t0 + 99).empty());
  CHECK(session->expiring_integrations("initech", t0 + 1'000'000).empty());
  const auto first = session->expiring_integrations("acme", t0 + 100);
  REQUIRE(first.size() == 1);
  CHECK(first[0].expires_at == t0 + 100);
  CHECK(first[0].status == IntegrationStatus::connected);
  CHECK(first[0].provider == "gmail");
}

TEST_CASE("conformance: an integration leaves expiring_integrations when it stops qualifying") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  const auto expiring = [&](std::optional<std::string_view> tenant, TimeMs before) {
    return in_read(*store,
                   [&](StoreSession& s) { return s.expiring_integrations(tenant, before); });
  };
  IntegrationRecord record = integration("acme", "default", IntegrationStatus::connected, t0);
  in_write(*store, [&](StoreSession& s) { s.insert_integration_within_quota(record); });
  CHECK(expiring(std::nullopt, t0).size() == 1);
  SUBCASE("refreshed to a later expiry") { record.integration.expires_at = t0 + 3'600'000; }
  SUBCASE("no expiry any more") { record.integration.expires_at = std::nullopt; }
  SUBCASE("errored") { record.integration.status = IntegrationStatus::error; }
  in_write(*store, [&](StoreSession& s) { s.update_integration(record); });
  CHECK(expiring(std::nullopt, t0 + 1000).empty());
  CHECK(expiring("acme", t0 + 1000).empty());
}

// ---- OAuth clients ---------------------------------------------------------

TEST_CASE("conformance: put_oauth_client inserts and replaces, load reads it back") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  const auto load = [&](std::string_view provider) {
    return in_read(*store, [&](StoreSession& s) { return s.load_oauth_client(provider); });
  };
  CHECK_FALSE(load("gmail").has_value());
  OAuthClientRecord client{"gmail", "client-1", {1, 2, 3, 4}, t0};
  in_write(*store, [&](StoreSession& s) {
    s.put_oauth_client(client);
    s.put_oauth_client(OAuthClientRecord{"slack", "client-s", {}, t0});
  });
  auto loaded = load("gmail");
  REQUIRE(loaded.has_value());
  CHECK(loaded->provider == "gmail");
  CHECK(loaded->client_id == "client-1");
  CHECK(loaded->sealed_secret == std::vector<std::uint8_t>{1, 2, 3, 4});
  CHECK(loaded->updated_at == t0);
  CHECK(load("slack")->sealed_secret.empty());

  in_write(*store, [&](StoreSession& s) {
    s.put_oauth_client(OAuthClientRecord{"gmail", "client-2", {}, t0 + 5});
  });
  loaded = load("gmail");
  REQUIRE(loaded.has_value());
  CHECK(loaded->client_id == "client-2");
  CHECK(loaded->sealed_secret.empty());  // replaced: the old secret is gone
  CHECK(loaded->updated_at == t0 + 5);
  CHECK(load("slack")->client_id == "client-s");
}

// ---- pending grants --------------------------------------------------------

TEST_CASE("conformance: a grant is taken once, by its tenant, before it expires") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  const OAuthGrantRecord stored = grant(1, "acme", t0 + 600'000);
  in_write(*store, [&](StoreSession& s) { s.insert_oauth_grant(stored); });

  SUBCASE("taken: every field back, then gone") {
    const auto taken = in_write(*store, [&](StoreSession& s) {
      return s.take_oauth_grant("acme", stored.state_hash, t0 + 599'999);
    });
    REQUIRE(taken.has_value());
    CHECK(taken->state_hash == stored.state_hash);
    CHECK(taken->tenant == "acme");
    CHECK(taken->integration_id == stored.integration_id);
    CHECK(taken->sealed_verifier == stored.sealed_verifier);
    CHECK(taken->redirect_uri == stored.redirect_uri);
    CHECK(taken->created_at == stored.created_at);
    CHECK(taken->expires_at == stored.expires_at);
    in_write(*store, [&](StoreSession& s) {
      CHECK_FALSE(s.take_oauth_grant("acme", stored.state_hash, t0).has_value());
    });
  }
  SUBCASE("another tenant's take finds nothing and leaves it") {
    in_write(*store, [&](StoreSession& s) {
      CHECK_FALSE(s.take_oauth_grant("globex", stored.state_hash, t0).has_value());
      CHECK_FALSE(s.take_oauth_grant("acme", hash_of(2), t0).has_value());  // unknown state
    });
    in_write(*store, [&](StoreSession& s) {
      CHECK(s.take_oauth_grant("acme", stored.state_hash, t0).has_value());
    });
  }
  SUBCASE("an expired grant is not taken, and not deleted by the attempt") {
    in_write(*store, [&](StoreSession& s) {
      CHECK_FALSE(s.take_oauth_grant("acme", stored.state_hash, t0 + 600'000).has_value());
    });
    // Still there: the sweep of expired grants finds it.
    CHECK(in_write(*store, [&](StoreSession& s) {
      return s.delete_expired_oauth_grants(t0 + 600'000);
    }) == 1);
  }
  SUBCASE("a taken grant rolled back is still there") {
    {
      auto session = store->session();
      session->begin(TransactionMode::write);
      CHECK(session->take_oauth_grant("acme", stored.state_hash, t0).has_value());
      session->rollback();
    }
    in_write(*store, [&](StoreSession& s) {
      CHECK(s.take_oauth_grant("acme", stored.state_hash, t0).has_value());
    });
  }
  SUBCASE("a second grant with the same state hash is ALREADY_EXISTS") {
    const ErrorCode code = code_of([&] {
      in_write(*store, [&](StoreSession& s) { s.insert_oauth_grant(grant(1, "globex", t0 + 1)); });
    });
    CHECK(code == ErrorCode::already_exists);
    in_write(*store, [&](StoreSession& s) {
      CHECK(s.take_oauth_grant("acme", stored.state_hash, t0)->tenant == "acme");
    });
  }
}

TEST_CASE("conformance: takers racing from 8 stores for one grant: exactly one gets it") {
  auto backend = make_conformance_backend();
  auto setup = backend->open(5000);
  const OAuthGrantRecord stored = grant(7, "acme", t0 + 600'000);
  in_write(*setup, [&](StoreSession& s) { s.insert_oauth_grant(stored); });
  std::mutex mutex;
  int taken = 0;
  run_threads([&](int) {
    auto store = backend->open(30'000);
    const auto got = in_write(*store, [&](StoreSession& s) {
      return s.take_oauth_grant("acme", stored.state_hash, t0);
    });
    if (got) {
      CHECK(got->sealed_verifier == stored.sealed_verifier);
      std::lock_guard lock(mutex);
      ++taken;
    }
  });
  CHECK(taken == 1);
}

TEST_CASE("conformance: delete_expired_oauth_grants deletes those with expires_at <= now") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  in_write(*store, [&](StoreSession& s) {
    s.insert_oauth_grant(grant(1, "acme", t0 + 10));
    s.insert_oauth_grant(grant(2, "globex", t0 + 20));
    s.insert_oauth_grant(grant(3, "acme", t0 + 30));
  });
  CHECK(in_write(*store, [&](StoreSession& s) { return s.delete_expired_oauth_grants(t0 + 9); }) == 0);
  CHECK(in_write(*store, [&](StoreSession& s) { return s.delete_expired_oauth_grants(t0 + 20); }) == 2);
  in_write(*store, [&](StoreSession& s) {
    CHECK_FALSE(s.take_oauth_grant("acme", hash_of(1), t0).has_value());
    CHECK_FALSE(s.take_oauth_grant("globex", hash_of(2), t0).has_value());
    CHECK(s.take_oauth_grant("acme", hash_of(3), t0).has_value());
  });
  CHECK(in_write(*store, [&](StoreSession& s) { return s.delete_expired_oauth_grants(t0 + 99); }) == 0);
}

// ---- rate-limit buckets ----------------------------------------------------

TEST_CASE("conformance: put_rate_bucket inserts and replaces fractional buckets exactly") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  const auto bucket_of = [&](std::string_view tenant, std::string_view id) {
    return in_read(*store, [&](StoreSession& s) { return s.load_rate_bucket(tenant, id); });
  };
  CHECK_FALSE(bucket_of("acme", "acme/default").has_value());
  RateBucketRecord bucket{"acme", "acme/default", 59.0 + 1.0 / 3.0, 0.1, t0 + 7, 0};
  in_write(*store, [&](StoreSession& s) { s.put_rate_bucket(bucket); });
  auto loaded = bucket_of("acme", "acme/default");
  REQUIRE(loaded.has_value());
  CHECK(loaded->tenant == "acme");
  CHECK(loaded->integration_id == "acme/default");
  CHECK(loaded->minute_tokens == bucket.minute_tokens);  // bit for bit: REAL is a double
  CHECK(loaded->hour_tokens == bucket.hour_tokens);
  CHECK(loaded->refilled_at == t0 + 7);
  CHECK(loaded->blocked_until == 0);
  CHECK_FALSE(bucket_of("globex", "acme/default").has_value());

  bucket.minute_tokens = 0;
  bucket.hour_tokens = 3599.75;
  bucket.refilled_at = t0 + 8;
  bucket.blocked_until = t0 + 120'000;
  in_write(*store, [&](StoreSession& s) { s.put_rate_bucket(bucket); });
  loaded = bucket_of("acme", "acme/default");
  REQUIRE(loaded.has_value());
  CHECK(loaded->minute_tokens == 0.0);
  CHECK(loaded->hour_tokens == 3599.75);
  CHECK(loaded->refilled_at == t0 + 8);
  CHECK(loaded->blocked_until == t0 + 120'000);
}

TEST_CASE("conformance: load, decide and put of a rate bucket in one write transaction is atomic") {
  // 8 stores each take one token 10 times from a bucket of 80: every take
  // lands, none is lost to an interleaved read-modify-write.
  auto backend = make_conformance_backend();
  auto setup = backend->open(5000);
  in_write(*setup, [&](StoreSession& s) {
    s.put_rate_bucket(RateBucketRecord{"acme", "acme/default", 80.0, 80.0, t0, 0});
  });
  run_threads([&](int) {
    auto store = backend->open(30'000);
    for (int n = 0; n < 10; ++n) {
      in_write(*store, [&](StoreSession& s) {
        RateBucketRecord bucket = *s.load_rate_bucket("acme", "acme/default");
        bucket.minute_tokens -= 1;
        bucket.hour_tokens -= 0.5;
        s.put_rate_bucket(bucket);
      });
    }
  });
  const auto loaded = setup->session()->load_rate_bucket("acme", "acme/default");
  REQUIRE(loaded.has_value());
  CHECK(loaded->minute_tokens == 0.0);
  CHECK(loaded->hour_tokens == 40.0);
}

// ---- purge -----------------------------------------------------------------

TEST_CASE("conformance: delete_tenant_rows deletes the tenant's OAuth rows, not others'") {
  auto backend = make_conformance_backend();
  auto store = backend->open(5000);
  for (const std::string tenant : {"acme", "globex"}) {
    const std::string id = tenant + "/default";
    in_write(*store, [&](StoreSession& s) {
      s.insert_integration_within_quota(
          integration(tenant, "default", IntegrationStatus::connected, t0));
      CHECK(s.take_refresh_lease(tenant, id, "lease", t0, t0 + 100));
      CHECK(s.finish_refresh(tenant, id, "lease", 2, t0 + 30'000));
      s.insert_oauth_grant(grant(tenant == "acme" ? 1 : 2, tenant, t0 + 600'000));
      s.put_rate_bucket(RateBucketRecord{tenant, id, 1.5, 2.5, t0, t0 + 9});
    });
  }
  in_write(*store, [&](StoreSession& s) {
    s.put_oauth_client(OAuthClientRecord{"gmail", "client", {1}, t0});
  });
  const auto counts =
      in_write(*store, [&](StoreSession& s) { return s.delete_tenant_rows("acme"); });
  CHECK(counts.integrations == 1);

  auto session = store->session();
  session->begin(TransactionMode::read);
  CHECK(session->load_refresh_state("acme", "acme/default").failures == 0);
  CHECK_FALSE(session->load_rate_bucket("acme", "acme/default").has_value());
  CHECK(ids_of(session->expiring_integrations(std::nullopt, t0)) ==
        std::vector<std::string>{"globex/default"});
  CHECK(session->load_refresh_state("globex", "globex/default").failures == 2);
  CHECK(session->load_rate_bucket("globex", "globex/default").has_value());
  CHECK(session->load_oauth_client("gmail").has_value());  // the host's, not the tenant's
  session.reset();
  in_write(*store, [&](StoreSession& s) {
    CHECK_FALSE(s.take_oauth_grant("acme", hash_of(1), t0).has_value());
    CHECK(s.take_oauth_grant("globex", hash_of(2), t0).has_value());
    // The acme grant is gone, not merely hidden: nothing expired is left.
    CHECK(s.delete_expired_oauth_grants(t0 + 1'000'000) == 0);
  });
}
