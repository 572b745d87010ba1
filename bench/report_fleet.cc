// SPDX-License-Identifier: BSD-3-Clause
// The report's fleet sections (bench/fleet.sh's phases): the fleet targets with their verdicts,
// the latency table (SQLite, PostgreSQL direct over TLS, through PgBouncer; 1k and 1M users;
// P = 1 and 8), the cross-host contention with its two zeros as the database shows them, and
// where the time of a fleet login goes (pg-probe). A missed target names the probe's figures that
// explain it; a target the run did not measure (quick run, no PgBouncer, no plugin) says so.
#include <algorithm>
#include <cstdio>
#include <sstream>
#include <string>

#include "bench/report.h"

namespace sshotp::bench::report {
namespace {

constexpr const char* kDirect = "pg-direct";
constexpr const char* kBouncer = "pgbouncer";

std::string host_title(const std::string& host) {
  if (host == kUs) return "SQLite";
  if (host == kDirect) return "PostgreSQL direct (TLS, client cert)";
  if (host == kBouncer) return "PostgreSQL through PgBouncer";
  return host;
}

// fleet rows: host, users, P, path, n, p50, p99, calls/s, seconds.
std::optional<double> fleet_at(const Table& t, const std::string& host, const std::string& users,
                               const std::string& p, const std::string& path, std::size_t field) {
  return t.number({"fleet", host, users, p, path}, field);
}

std::vector<std::string> sizes_of(const Table& t) {
  std::vector<std::string> sizes;
  for (const Row& r : t.all("fleet")) {
    if (std::find(sizes.begin(), sizes.end(), r[2]) == sizes.end()) sizes.push_back(r[2]);
  }
  return sizes;
}

std::string probe(const Table& t, const std::string& via, const std::string& step) {
  return ms(t.number({"probe", via, step}, 4));
}

// Why a p99 target was missed, in the probe's figures.
std::string p99_story(const Table& t, const std::string& via) {
  std::ostringstream why;
  why << "a login opens two connections (the look before the prompt, then check-and-consume); "
      << "one connect p50 " << probe(t, via, "connect") << " ms (TCP " << probe(t, via, "tcp")
      << ", TLS " << probe(t, via, "tls") << ", startup " << probe(t, via, "startup")
      << "; SSLRequest answered in " << probe(t, via, "sslrequest") << "), one round trip "
      << probe(t, via, "rtt") << " ms, COMMIT " << probe(t, via, "commit")
      << " ms; the write transaction's BEGIN " << probe(t, via, "begin_write")
      << " ms: see \"Where the time goes\"";
  return why.str();
}

struct Verdict {
  std::string target, measured, verdict, why;
};

// The worst p99 of a host at P = 1 over both paths and every size, against `limit_ms`.
Verdict p99_target(const Table& t, const std::string& title, const std::string& host,
                   double limit_ms) {
  std::optional<double> worst;
  std::string where;
  for (const std::string& size : sizes_of(t)) {
    for (const char* path : {"success", "wrong"}) {
      auto p99 = fleet_at(t, host, size, "1", path, 7);
      if (p99 && (!worst || *p99 > *worst)) {
        worst = p99;
        where = std::string(path) + ", " + size + " users";
      }
    }
  }
  if (!worst) return {title, "n/m", "not measured", ""};
  const bool met = *worst <= limit_ms * 1000;
  return {title, ms(worst) + " ms (" + where + ")", met ? "met" : "missed",
          met ? "" : p99_story(t, host == kUs ? kDirect : host)};
}

Verdict scale_target(const Table& t) {
  const auto sizes = sizes_of(t);
  const std::string title = "1M users ≤ 1.2× the cost at 1k (p50, P = 1)";
  if (sizes.size() < 2) return {title, "n/m", "not measured", ""};
  std::ostringstream measured;
  bool met = true;
  for (const char* host : {kUs, kDirect, kBouncer}) {
    auto r = ratio(fleet_at(t, host, sizes.back(), "1", "success", 6),
                   fleet_at(t, host, sizes.front(), "1", "success", 6));
    if (!r) continue;
    met = met && *r <= 1.2;
    measured << host << " " << times(r) << "; ";
  }
  return {title, measured.str(), met ? "met" : "missed",
          met ? "" : "the probe (run at the largest size) has find and find_for_update"};
}

Verdict zeros_target(const Table& t) {
  const std::string title = "0 double accepts and 0 lost updates at every P";
  const auto runs = t.all("contention");
  if (runs.empty()) return {title, "n/m", "not measured", ""};
  long doubles = 0, lost = 0;
  std::string ps;
  for (const Row& r : runs) {
    doubles += std::stol(r[6]);
    lost += std::stol(r[9]);
    ps += (ps.empty() ? "P = " : ", ") + r[2];
  }
  const auto db = t.find({"contention_db"});
  long db_doubles = db ? std::stol((*db)[1]) - std::stol((*db)[2]) : 0;
  const bool agree = db && std::stol((*db)[1]) == std::stol((*db)[3]);
  const bool met = doubles == 0 && lost == 0 && db_doubles == 0 && agree;
  std::ostringstream measured;
  measured << ps << ": " << doubles << " double accepts, " << lost << " lost failure counts; "
           << "database: "
           << (db ? (*db)[1] + " consumes committed, " + (*db)[2] +
                        " distinct steps, driver counted " + (*db)[3] + " accepts"
                  : std::string("not checked"));
  return {title, measured.str(), met ? "met" : "missed",
          met ? "" : "FUNCTIONAL FAILURE: see the contention table and the run's messages"};
}

Verdict refusal_target(const Table& t) {
  const std::string title = "a refusal costs no more than an acceptance (p50, P = 1, +5% noise)";
  std::ostringstream measured;
  bool met = true, any = false;
  for (const std::string& size : sizes_of(t)) {
    for (const char* host : {kUs, kDirect, kBouncer}) {
      auto r = ratio(fleet_at(t, host, size, "1", "wrong", 6),
                     fleet_at(t, host, size, "1", "success", 6));
      if (!r) continue;
      any = true;
      met = met && *r <= 1.05;
      measured << host << "@" << size << " " << times(r) << "; ";
    }
  }
  if (!any) return {title, "n/m", "not measured", ""};
  return {title, "wrong / success: " + measured.str(), met ? "met" : "missed",
          met ? "" : "compare the probe's record_failure + commit_refusal with consume + commit"};
}

void print_targets_table(const Table& t) {
  section("Fleet targets",
          "Judged on this run's figures: the p99 targets at P = 1 (one login on an idle server) "
          "over both paths and both sizes; P = 8 is in the latency table. \"n/m\": not measured "
          "in this run.");
  std::printf("| target | measured | verdict | why missed |\n|---|---|---|---|\n");
  for (const Verdict& v :
       {p99_target(t, "PostgreSQL direct with TLS: p99 ≤ 10 ms per login", kDirect, 10),
        p99_target(t, "through PgBouncer: p99 ≤ 3 ms per login", kBouncer, 3), scale_target(t),
        zeros_target(t), refusal_target(t)}) {
    std::printf("| %s | %s | **%s** | %s |\n", v.target.c_str(), v.measured.c_str(),
                v.verdict.c_str(), v.why.c_str());
  }
  std::printf("\n");
}

void print_latency_table(const Table& t) {
  section("Fleet latency",
          "Each call is pam_start_confdir → pam_authenticate → pam_end through libpam, its own "
          "fake 30 s step; P forked workers share the calls, each call a success for one user "
          "and a wrong code for another, in turns. ms, p50 / p99; calls/s counts both paths.");
  std::printf(
      "| store | users | P | success | wrong code | calls/s |\n|---|---|---|---|---|---|\n");
  for (const Row& r : t.all("fleet")) {
    if (r[4] != "success") continue;
    std::printf("| %s | %s | %s | %s / %s | %s / %s | %s |\n", host_title(r[1]).c_str(),
                r[2].c_str(), r[3].c_str(), ms(std::stod(r[6])).c_str(),
                ms(std::stod(r[7])).c_str(), ms(fleet_at(t, r[1], r[2], r[3], "wrong", 6)).c_str(),
                ms(fleet_at(t, r[1], r[2], r[3], "wrong", 7)).c_str(), r[8].c_str());
  }
  std::printf(
      "\nFilling the stores (sealed rows through the core API: SQLite put(), PostgreSQL "
      "the plugin's multi-row INSERTs):");
  for (const Row& r : t.all("fleet_fill")) {
    std::printf(" %s %s→%s users %s s;", r[1].c_str(), r[2].c_str(), r[3].c_str(), r[4].c_str());
  }
  std::printf("\n\n");
  if (auto env = t.find({"fleet_env", "postgresql"})) {
    std::printf(
        "The server: PostgreSQL %s on 127.0.0.1, a throwaway one (harness/postgres_lib.sh) "
        "with fsync and full_page_writes on.\n\n",
        (*env)[2].c_str());
  }
}

void print_contention_table(const Table& t) {
  section("Fleet contention",
          "Processes taking turns between two hosts (two configs, one key, one database) log "
          "in as 4 hot users with the right code of each step (all but one try per step must be "
          "refused) and as 4 other hot users with wrong codes (every refusal must be counted). "
          "Double accepts: a step accepted twice; lost: failure counts below the refusals.");
  std::printf(
      "| processes | hosts | steps | calls | calls/s | accepts | double accepts | "
      "lost failure counts | other results |\n|---|---|---|---|---|---|---|---|---|\n");
  for (const Row& r : t.all("contention")) {
    std::printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r[2].c_str(), r[1].c_str(),
                r[3].c_str(), r[4].c_str(), r[12].c_str(), r[5].c_str(), r[6].c_str(), r[9].c_str(),
                r[10].c_str());
  }
  if (auto db = t.find({"contention_db"})) {
    std::printf(
        "\nFrom the database (a trigger on last_step, recording each committed consume): "
        "%s consumes committed, %s distinct (user, step) pairs; the driver counted %s "
        "accepts.\n",
        (*db)[1].c_str(), (*db)[2].c_str(), (*db)[3].c_str());
  }
  std::printf("\n");
}

void print_probe_table(const Table& t) {
  if (t.all("probe").empty()) return;
  section("Where the time goes",
          "bench/pg-probe on the same server, ms p50 / p99: the phases of one libpq connection "
          "as the store makes it, a bare SSLRequest on a new socket (directly: answered by the "
          "backend the postmaster forks; PgBouncer answers itself), an empty query (one round "
          "trip, on a warm connection), and each statement of a login's two transactions, each "
          "transaction on a new connection, sent as the store sends them. A login = 2 connects "
          "+ begin_read + find + rollback + begin_write + find_for_update + consume (or "
          "record_failure) + commit, each a round trip.");
  std::printf("| step | direct | through PgBouncer |\n|---|---|---|\n");
  for (const char* step :
       {"tcp", "sslrequest", "tls", "startup", "connect", "rtt", "begin_read", "find", "rollback",
        "begin_write", "find_for_update", "consume", "commit", "begin_write_refusal",
        "find_for_update_refusal", "record_failure", "commit_refusal", "close"}) {
    std::printf("| %s | %s | %s |\n", step, cell(t, {"probe", kDirect, step}, 4).c_str(),
                cell(t, {"probe", kBouncer, step}, 4).c_str());
  }
  std::printf("\n");
}

}  // namespace

void print_fleet(const Table& t) {
  for (const Row& r : t.all("fleet_skipped")) {
    section("Fleet", ("Not measured in this run: " + r[1]).c_str());
  }
  if (t.all("fleet").empty()) return;
  print_targets_table(t);
  print_latency_table(t);
  print_contention_table(t);
  print_probe_table(t);
  std::printf("Wall time of bench/fleet.sh (seconds from its start):");
  for (const Row& r : t.all("fleet_time")) std::printf(" %s %s;", r[1].c_str(), r[2].c_str());
  std::printf("\n\n");
}

}  // namespace sshotp::bench::report
