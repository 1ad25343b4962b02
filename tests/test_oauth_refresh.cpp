// Token refresh (issue 10, docs/SEMANTICS.md "Token refresh"): when the
// refresher runs, what is stored, the failure budget and cooldown, and the
// single flight across threads and (simulated through the store) other
// processes. Real processes: test_refresh_crash.cpp and the Python suite.
#include "oauth_fixture.hpp"

#include "store/store.hpp"
#include "vault/transaction.hpp"
#include "vault/vault_core.hpp"

#include <doctest/doctest.h>

#include <mutex>
#include <set>
#include <thread>

using namespace linkvault;
using namespace linkvault::testing;

namespace {

// The integration's refresh row as stored, read in a read transaction.
RefreshState stored_refresh_state(VaultCore& core, const std::string& integration_id) {
  auto session = core.session();
  Transaction read(*session, TransactionMode::read);
  return session->load_refresh_state("acme", integration_id);
}

constexpr TimeMs minute = 60'000;

// A refresher that counts its calls and answers with `answer`.
struct CountingRefresher {
  std::atomic<int> calls{0};
  std::function<TokenGrant(const Credentials&)> answer = [](const Credentials&) {
    return grant("at-1-cccccccccccc", "rt-1-dddddddddddd");
  };
  Refresher get() {
    return [this](const Credentials& given) {
      ++calls;
      return answer(given);
    };
  }
};

RefreshOptions forced() {
  RefreshOptions options;
  options.force = true;
  return options;
}

}  // namespace

TEST_CASE("valid_credentials returns a fresh token without calling the refresher") {
  OAuthFixture f;
  const Integration i = f.connect_oauth(60 * minute);
  CountingRefresher refresher;
  f.clock->advance(1000);
  const Credentials got = f.tenant.valid_credentials(admin, i.id, refresher.get());
  CHECK(refresher.calls == 0);
  CHECK(text_of(got.at("access_token")) == "at-0-aaaaaaaaaaaa");
  const Integration after = f.tenant.get(i.id);
  CHECK(after.last_used_at == f.clock->now_ms());
  CHECK(after.refresh_count == 0);
  CHECK(f.actions(i.id) == std::vector<std::string>{"connected"});

  SUBCASE("a token without expiry is never refreshed") {
    const Integration forever = f.tenant.connect(
        admin, "acme_oauth", creds({{"access_token", "at-x"}}), ConnectOptions{"other"});
    f.tenant.valid_credentials(admin, forever.id, refresher.get());
    CHECK(refresher.calls == 0);
  }
}

TEST_CASE("an expiring token is refreshed once, committed, logged and returned") {
  OAuthFixture f;
  const Integration i = f.connect_oauth(10 * minute);  // inside the 15-minute margin
  CountingRefresher refresher;
  std::string given_refresh;
  refresher.answer = [&](const Credentials& given) {
    given_refresh = text_of(given.at("refresh_token"));
    return grant("at-1-cccccccccccc", "rt-1-dddddddddddd", 3600);
  };
  const Credentials got = f.tenant.valid_credentials(admin, i.id, refresher.get());
  CHECK(refresher.calls == 1);
  CHECK(given_refresh == "rt-0-bbbbbbbbbbbb");
  CHECK(text_of(got.at("access_token")) == "at-1-cccccccccccc");
  CHECK(text_of(got.at("refresh_token")) == "rt-1-dddddddddddd");

  const Integration after = f.tenant.get(i.id);
  CHECK(after.refresh_count == 1);
  CHECK(after.last_refreshed_at == f.clock->now_ms());
  CHECK(after.expires_at == f.clock->now_ms() + 3600 * 1000);
  CHECK(after.status == IntegrationStatus::connected);
  CHECK(after.credential_mask.ends_with("cccc"));
  const Credentials stored = f.tenant.reveal_credentials(admin, i.id);
  CHECK(text_of(stored.at("access_token")) == "at-1-cccccccccccc");
  CHECK(text_of(stored.at("refresh_token")) == "rt-1-dddddddddddd");
  const auto log = f.tenant.activity(i.id);
  REQUIRE(log.size() == 3);  // credentials_revealed, token_refreshed, connected
  CHECK(log[1].action == "token_refreshed");
  CHECK(log[1].details.find(R"("refresh_count":1)") != std::string::npos);
  CHECK(log[1].details.find(R"("refresh_token_rotated":true)") != std::string::npos);
  CHECK(log[1].user_id == admin.user_id);

  SUBCASE("now fresh: the next call does not refresh") {
    f.tenant.valid_credentials(admin, i.id, refresher.get());
    CHECK(refresher.calls == 1);
  }
  SUBCASE("force refreshes a fresh token") {
    f.tenant.valid_credentials(admin, i.id, refresher.get(), forced());
    CHECK(refresher.calls == 2);
    CHECK(f.tenant.get(i.id).refresh_count == 2);
  }
  CHECK(f.vault.verify_audit().ok);
}

TEST_CASE("an omitted refresh token keeps the stored one; expires_at and no expiry") {
  OAuthFixture f;
  const Integration i = f.connect_oauth(-minute);  // already expired
  CountingRefresher refresher;
  refresher.answer = [](const Credentials&) {
    TokenGrant g = grant("at-2-eeeeeeeeeeee", std::nullopt, std::nullopt);
    g.expires_at = 1'800'000'000'000;
    return g;
  };
  const Credentials got = f.tenant.valid_credentials(admin, i.id, refresher.get());
  CHECK(text_of(got.at("refresh_token")) == "rt-0-bbbbbbbbbbbb");
  CHECK(f.tenant.get(i.id).expires_at == 1'800'000'000'000);
  CHECK(text_of(f.tenant.reveal_credentials(admin, i.id).at("refresh_token")) ==
        "rt-0-bbbbbbbbbbbb");
  const auto log = f.tenant.activity(i.id);
  CHECK(log[1].details.find(R"("refresh_token_rotated":false)") != std::string::npos);

  refresher.answer = [](const Credentials&) {
    return grant("at-3-ffffffffffff", std::nullopt, std::nullopt);
  };
  f.tenant.valid_credentials(admin, i.id, refresher.get(), forced());
  CHECK_FALSE(f.tenant.get(i.id).expires_at.has_value());  // does not expire any more
}

TEST_CASE("a permanent failure puts the integration in error; force retries it") {
  OAuthFixture f;
  const Integration i = f.connect_oauth(minute);
  CountingRefresher refresher;
  refresher.answer = [](const Credentials& given) -> TokenGrant {
    // Quotes the refresh token, as careless error messages do.
    throw PermanentRefreshError("invalid_grant for " + text_of(given.at("refresh_token")));
  };
  CHECK(code_of([&] { f.tenant.valid_credentials(admin, i.id, refresher.get()); }) ==
        ErrorCode::upstream);
  Integration after = f.tenant.get(i.id);
  CHECK(after.status == IntegrationStatus::error);
  REQUIRE(after.last_error.has_value());
  CHECK(after.last_error->find("invalid_grant") != std::string::npos);
  CHECK(after.last_error->find("rt-0-bbbbbbbbbbbb") == std::string::npos);  // redacted
  const auto log = f.tenant.activity(i.id);
  CHECK(log[0].action == "token_refresh_failed");
  CHECK(log[0].details.find(R"("permanent":true)") != std::string::npos);
  CHECK(log[0].details.find("rt-0-bbbbbbbbbbbb") == std::string::npos);

  // In error: refused without a call, unless forced.
  CHECK(code_of([&] { f.tenant.valid_credentials(admin, i.id, refresher.get()); }) ==
        ErrorCode::failed_precondition);
  CHECK(refresher.calls == 1);
  refresher.answer = [](const Credentials&) { return grant("at-9-gggggggggggg"); };
  f.tenant.valid_credentials(admin, i.id, refresher.get(), forced());
  CHECK(refresher.calls == 2);
  after = f.tenant.get(i.id);
  CHECK(after.status == IntegrationStatus::connected);
  CHECK_FALSE(after.last_error.has_value());
}

TEST_CASE("a transient failure starts a 30-second cooldown; force skips it") {
  OAuthFixture f;
  const Integration i = f.connect_oauth(minute);
  CountingRefresher refresher;
  refresher.answer = [](const Credentials&) -> TokenGrant {
    throw std::runtime_error("503 from the token endpoint");
  };
  CHECK(code_of([&] { f.tenant.valid_credentials(admin, i.id, refresher.get()); }) ==
        ErrorCode::upstream);
  CHECK(refresher.calls == 1);
  Integration after = f.tenant.get(i.id);
  CHECK(after.status == IntegrationStatus::connected);
  CHECK(after.last_error->find("503") != std::string::npos);
  CHECK(f.actions(i.id)[0] == "token_refresh_failed");

  f.clock->advance(29'000);
  CHECK(code_of([&] { f.tenant.valid_credentials(admin, i.id, refresher.get()); }) ==
        ErrorCode::upstream);
  CHECK(refresher.calls == 1);  // cooling down: not called
  CHECK(code_of([&] { f.tenant.valid_credentials(admin, i.id, refresher.get(), forced()); }) ==
        ErrorCode::upstream);
  CHECK(refresher.calls == 2);  // force calls through the cooldown
  f.clock->advance(31'000);
  refresher.answer = [](const Credentials&) { return grant("at-5-hhhhhhhhhhhh"); };
  f.tenant.valid_credentials(admin, i.id, refresher.get());
  CHECK(refresher.calls == 3);
  CHECK_FALSE(f.tenant.get(i.id).last_error.has_value());
}

TEST_CASE("five transient failures in a row put the integration in error; a success resets the count") {
  OAuthFixture f;
  const Integration i = f.connect_oauth(minute);
  bool fail = true;
  int calls = 0;
  const Refresher refresher = [&](const Credentials&) -> TokenGrant {
    ++calls;
    if (fail) throw std::runtime_error("timeout");
    return grant("at-ok-iiiiiiiiiiii", std::nullopt, 60);  // expires inside the margin again
  };
  const auto attempt = [&] {
    f.clock->advance(31'000);
    return code_of([&] { f.tenant.valid_credentials(admin, i.id, refresher); });
  };
  for (int n = 0; n < 4; ++n) CHECK(attempt() == ErrorCode::upstream);
  CHECK(f.tenant.get(i.id).status == IntegrationStatus::connected);
  fail = false;
  CHECK(attempt() == ErrorCode::ok);  // resets the budget
  fail = true;
  for (int n = 0; n < 4; ++n) CHECK(attempt() == ErrorCode::upstream);
  CHECK(f.tenant.get(i.id).status == IntegrationStatus::connected);
  CHECK(attempt() == ErrorCode::upstream);  // the fifth in a row
  CHECK(f.tenant.get(i.id).status == IntegrationStatus::error);
  CHECK(calls == 10);
  const auto log = f.tenant.activity(i.id);
  CHECK(log[0].details.find(R"("failures":5)") != std::string::npos);
  CHECK(log[0].details.find(R"("status":"error")") != std::string::npos);

  SUBCASE("new credentials start a clean budget") {
    auto& core = *VaultAccess::core(f.vault);
    CHECK(stored_refresh_state(core, i.id).failures == 5);
    f.tenant.update_credentials(admin, i.id, creds({{"access_token", "at-new"}}),
                                f.clock->now_ms() + 30'000);
    const RefreshState state = stored_refresh_state(core, i.id);
    CHECK(state.failures == 0);
    CHECK(state.cooldown_until == 0);
  }
}

TEST_CASE("a refresher answer that cannot be stored is a transient failure") {
  OAuthFixture f;
  const Integration i = f.connect_oauth(minute);
  const Refresher empty = [](const Credentials&) { return grant(""); };
  CHECK(code_of([&] { f.tenant.valid_credentials(admin, i.id, empty); }) == ErrorCode::upstream);
  CHECK(f.tenant.get(i.id).last_error->find("access_token") != std::string::npos);
  const Refresher huge = [](const Credentials&) {
    return grant(std::string(max_credential_value_bytes + 1, 'a').c_str());
  };
  f.clock->advance(31'000);
  CHECK(code_of([&] { f.tenant.valid_credentials(admin, i.id, huge); }) == ErrorCode::upstream);
  CHECK(text_of(f.tenant.reveal_credentials(admin, i.id).at("access_token")) ==
        "at-0-aaaaaaaaaaaa");  // nothing was stored
}

TEST_CASE("valid_credentials refuses bad callers and states") {
  OAuthFixture f;
  const Integration i = f.connect_oauth(minute);
  CountingRefresher refresher;
  CHECK(code_of([&] { f.tenant.valid_credentials(member, i.id, refresher.get()); }) ==
        ErrorCode::permission_denied);
  CHECK(code_of([&] { f.tenant.valid_credentials(admin, i.id, Refresher{}); }) ==
        ErrorCode::invalid_argument);
  CHECK(code_of([&] {
          f.vault.tenant("other").valid_credentials(admin, i.id, refresher.get());
        }) == ErrorCode::not_found);
  RefreshOptions bad;
  bad.lease = std::chrono::milliseconds(10);
  CHECK(code_of([&] { f.tenant.valid_credentials(admin, i.id, refresher.get(), bad); }) ==
        ErrorCode::invalid_argument);
  bad = {};
  bad.margin = std::chrono::seconds(-1);
  CHECK(code_of([&] { f.tenant.valid_credentials(admin, i.id, refresher.get(), bad); }) ==
        ErrorCode::invalid_argument);

  ConnectOptions expiring;
  expiring.expires_at = f.clock->now_ms();
  const Integration slack = f.tenant.connect(admin, "slack", creds({{"bot_token", "xoxb-1"}}),
                                             expiring);
  CHECK(code_of([&] { f.tenant.valid_credentials(admin, slack.id, refresher.get()); }) ==
        ErrorCode::failed_precondition);  // not oauth2: nothing to refresh with

  f.tenant.disconnect(admin, i.id);
  CHECK(code_of([&] { f.tenant.valid_credentials(admin, i.id, refresher.get()); }) ==
        ErrorCode::failed_precondition);
  CHECK(refresher.calls == 0);
}

TEST_CASE("16 threads asking for one expiring token: one refresher call, everyone gets it") {
  OAuthFixture f;
  const Integration i = f.connect_oauth(minute);
  for (const bool force : {false, true}) {
    CAPTURE(force);
    f.clock->advance(60 * minute);  // expired again
    std::atomic<int> calls{0};
    const std::string fresh = force ? "at-forced-jjjjjjjjjj" : "at-new-kkkkkkkkkkkk";
    const Refresher refresher = [&](const Credentials&) {
      ++calls;
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      return grant(fresh.c_str(), std::nullopt, 60);  // inside the margin: only force refreshes
    };
    // The new token is inside the margin, so a caller whose first look came
    // after the refresh finished would rightly refresh again. On a cold
    // PostgreSQL pool sixteen threads each open a connection first, which
    // on a loaded machine can take longer than the refresher: warm the pool
    // so all sixteen look while the one refresh is under way.
    {
      std::vector<std::thread> warmers;
      for (int t = 0; t < 16; ++t) warmers.emplace_back([&] { (void)f.tenant.list(); });
      for (auto& warmer : warmers) warmer.join();
    }
    std::vector<std::string> got(16);
    std::vector<std::thread> threads;
    RefreshOptions options;
    options.force = force;
    for (int t = 0; t < 16; ++t) {
      threads.emplace_back([&, t] {
        try {
          got[t] = text_of(f.tenant.valid_credentials(admin, i.id, refresher, options)
                               .at("access_token"));
        } catch (const std::exception& error) {
          got[t] = error.what();
        }
      });
    }
    for (auto& thread : threads) thread.join();
    CHECK(calls == 1);
    for (const auto& token : got) CHECK(token == fresh);
  }
  CHECK(f.tenant.get(i.id).refresh_count == 2);
}

TEST_CASE("another holder's lease: the caller waits, and takes over once it lapses") {
  OAuthFixture f;
  const Integration i = f.connect_oauth(minute);
  auto& core = *VaultAccess::core(f.vault);
  // Another process took the lease and died.
  {
    auto session = core.session();
    Transaction transaction(*session, TransactionMode::write);
    REQUIRE(session->take_refresh_lease("acme", i.id, "other-process-token", f.clock->now_ms(),
                                        f.clock->now_ms() + 30'000));
    transaction.commit();
  }
  CountingRefresher refresher;
  RefreshOptions options;
  options.max_wait = std::chrono::milliseconds(200);
  CHECK(code_of([&] { f.tenant.valid_credentials(admin, i.id, refresher.get(), options); }) ==
        ErrorCode::busy);
  CHECK(refresher.calls == 0);

  f.clock->advance(30'001);  // the lease lapses
  const Credentials got = f.tenant.valid_credentials(admin, i.id, refresher.get(), options);
  CHECK(refresher.calls == 1);
  CHECK(text_of(got.at("access_token")) == "at-1-cccccccccccc");
}

TEST_CASE("a caller whose lease was taken over writes nothing (the fence)") {
  OAuthFixture f;
  const Integration i = f.connect_oauth(minute);
  auto& core = *VaultAccess::core(f.vault);
  const Refresher slow = [&](const Credentials&) {
    // While this caller's refresher runs, its lease lapses (the clock jumps
    // past it) and another caller takes it over.
    f.clock->advance(10 * minute);
    auto session = core.session();
    Transaction transaction(*session, TransactionMode::write);
    REQUIRE(session->take_refresh_lease("acme", i.id, "usurper", f.clock->now_ms(),
                                        f.clock->now_ms() + 30'000));
    transaction.commit();
    return grant("at-late-llllllllllll");
  };
  CHECK(code_of([&] { f.tenant.valid_credentials(admin, i.id, slow); }) == ErrorCode::busy);
  const Integration after = f.tenant.get(i.id);
  CHECK(after.refresh_count == 0);
  CHECK(text_of(f.tenant.reveal_credentials(admin, i.id).at("access_token")) ==
        "at-0-aaaaaaaaaaaa");
  CHECK(stored_refresh_state(core, i.id).lease_token == "usurper");
}

TEST_CASE("expiring lists the tenant's connected tokens due within the window, soonest first") {
  OAuthFixture f;
  const Integration late = f.connect_oauth(20 * minute, "late");
  const Integration soon = f.connect_oauth(5 * minute, "soon");
  const Integration past = f.connect_oauth(-5 * minute, "past");
  const Integration gone = f.connect_oauth(minute, "gone");
  f.tenant.disconnect(admin, gone.id);
  f.vault.tenant("other").connect(admin, "acme_oauth", creds({{"access_token", "x"}}),
                                  ConnectOptions{"default", {}, {}, f.clock->now_ms()});
  std::vector<std::string> ids;
  for (const auto& integration : f.tenant.expiring()) ids.push_back(integration.id);
  CHECK(ids == std::vector<std::string>{past.id, soon.id});
  ids.clear();
  for (const auto& integration : f.tenant.expiring(std::chrono::seconds(3600))) {
    ids.push_back(integration.id);
  }
  CHECK(ids == std::vector<std::string>{past.id, soon.id, late.id});
  CHECK(code_of([&] { f.tenant.expiring(std::chrono::seconds(-1)); }) ==
        ErrorCode::invalid_argument);
}

TEST_CASE("refresh_expiring sweeps every tenant: refreshed, failed, skipped") {
  OAuthFixture f;
  const Integration a = f.connect_oauth(minute, "a");
  const Integration b = f.connect_oauth(minute, "b");
  const Integration fresh = f.connect_oauth(60 * minute, "fresh");
  Tenant other = f.vault.tenant("other");
  const Integration c = other.connect(admin, "acme_oauth", creds({{"access_token", "x"}}),
                                      ConnectOptions{"default", {}, {}, f.clock->now_ms()});
  // A provider without a refresher in the map: skipped.
  ConnectOptions gmail_options;
  gmail_options.expires_at = f.clock->now_ms();
  f.tenant.connect(admin, "gmail", creds({{"access_token", "ya29"}}), gmail_options);

  std::set<std::string> refreshed;
  const Refresher refresher = [&](const Credentials& given) {
    const std::string access = text_of(given.at("access_token"));
    if (access == "x") throw std::runtime_error("other tenant's endpoint is down");
    refreshed.insert(access);
    return grant(("new-" + access).c_str());
  };
  std::map<std::string, Refresher, std::less<>> refreshers{{"acme_oauth", refresher}};
  RefreshReport report = f.vault.refresh_expiring(refreshers);
  CHECK(report.refreshed == 2);  // a and b
  CHECK(report.failed == 1);     // c
  CHECK(report.skipped == 1);    // gmail
  CHECK(f.tenant.get(a.id).refresh_count == 1);
  CHECK(f.tenant.get(b.id).refresh_count == 1);
  CHECK(f.tenant.get(fresh.id).refresh_count == 0);
  CHECK(other.activity(c.id)[0].user_id == "system");

  // c is cooling down now: skipped, not failed again.
  report = f.vault.refresh_expiring(refreshers);
  CHECK(report.failed == 0);
  CHECK(report.skipped == 2);
  CHECK(report.refreshed == 0);
}

TEST_CASE("a refresher that asks for its own integration's credentials gets an error, not a deadlock") {
  OAuthFixture f;
  const Integration i = f.connect_oauth(minute);
  std::optional<ErrorCode> inner;
  Refresher refresher;
  refresher = [&](const Credentials&) {
    inner = code_of([&] { f.tenant.valid_credentials(admin, i.id, refresher); });
    return grant("at-outer-pppppppppppp");
  };
  const Credentials got = f.tenant.valid_credentials(admin, i.id, refresher);
  CHECK(inner == ErrorCode::failed_precondition);
  CHECK(text_of(got.at("access_token")) == "at-outer-pppppppppppp");
}
