#!/usr/bin/env bash
# Load test of POST /v1/sessions/{id}/messages: starts a release kefu on the
# bundled corpus with a throw-away SQLite database, then drives it with wrk
# (Debian package `wrk`) and prints wrk's latency distribution.
#
#   bench/load.sh [SECONDS] [CONNECTIONS] [distinct|mixed|repeated]
#   RUNS=3 bench/load.sh 60 64 mixed     the soak test: three runs against one
#                                        process, resident memory after each
#
# distinct (default): every request a new question (one of 16, numbered), so
# the answer cache never helps; mixed: the 16 questions in rotation, answered
# from the cache after their first time; repeated: one question.
#
# Rate limits are lifted for the run: this measures the engine and the
# database, not the limiter. BENCH_BIN=/absolute/path/to/kefu runs that
# binary instead of building this checkout, to compare two builds in
# alternating runs (timings on a shared machine drift between runs).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
connections=${2:-32}
mode=${3:-distinct}
command -v wrk > /dev/null || { echo "bench/load.sh needs wrk (apt-get install wrk)" >&2; exit 2; }
if [ -z "${BENCH_BIN:-}" ]; then
  scripts/setup-model
  cargo build --release --quiet
fi
work=$(mktemp -d)
trap 'kill "$pid" 2> /dev/null || true; rm -rf "$work"' EXIT
port=${BENCH_PORT:-18480}
if curl -s -o /dev/null "http://127.0.0.1:$port/healthz"; then
  echo "something already listens on port $port; set BENCH_PORT" >&2
  exit 2
fi
KEFU_ADDRESS=127.0.0.1:$port KEFU_DATABASE_URL="sqlite://$work/kefu.db?mode=rwc" KEFU_LOG=warn \
  KEFU_LIMITS__PER_IP_PER_MINUTE=100000000 KEFU_LIMITS__PER_SESSION_PER_MINUTE=100000000 \
  "${BENCH_BIN:-./target/release/kefu}" serve > "$work/kefu.log" 2>&1 &
pid=$!
for _ in $(seq 600); do
  kill -0 "$pid" 2> /dev/null || { cat "$work/kefu.log" >&2; exit 1; }
  curl -sf "http://127.0.0.1:$port/readyz" > /dev/null && break
  sleep 1
done
# One session per connection's worth of traffic: a single session would hit
# the per-session ordering of the database and, once any question handed off,
# forward everything to the (absent) agent instead of answering.
sessions=""
for _ in $(seq 64); do
  created=$(curl -sf -XPOST "http://127.0.0.1:$port/v1/sessions" -H 'content-type: application/json' -d '{}')
  id=$(echo "$created" | sed -E 's/.*"id":"([^"]+)".*/\1/')
  secret=$(echo "$created" | sed -E 's/.*"secret":"([^"]+)".*/\1/')
  sessions="$sessions{\"$id\", \"$secret\"},"
done
cat > "$work/post.lua" <<LUA
local sessions = { $sessions }
local questions = {
  "怎么提币到外部钱包", "充值一直没到账怎么办", "how do I reset my google authenticator", "实名认证要多久",
  "提币手续费是多少", "忘记登录密码了", "合约爆仓是什么意思", "how to buy crypto with a credit card",
  "为什么我的订单没有成交", "怎么开通谷歌验证", "p2p买币安全吗", "what are the withdrawal limits",
  "充错网络了能找回吗", "子账户怎么创建", "API key 怎么创建", "钱包助记词丢了怎么办",
}
local mode = "$mode"
local i = 0
-- Each wrk thread has its own Lua state and counter; a per-state salt keeps
-- the threads' "distinct" questions apart.
local salt = string.sub(tostring({}), -6)
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
request = function()
  i = i + 1
  local q = questions[(i % #questions) + 1]
  if mode == "repeated" then q = questions[1] end
  if mode == "distinct" then q = q .. " " .. salt .. i end
  local s = sessions[(i % #sessions) + 1]
  wrk.headers["authorization"] = "Bearer " .. s[2]
  return wrk.format(nil, "/v1/sessions/" .. s[1] .. "/messages", nil, '{"text":"' .. q .. '"}')
end
LUA
rss() { grep VmRSS "/proc/$pid/status" | awk '{print $2, $3}'; }
echo "kefu resident memory before the first run: $(rss)"
for run in $(seq "${RUNS:-1}"); do
  wrk -t"$(( connections < 2 ? 1 : 2 ))" -c"$connections" -d"${seconds}s" --latency -s "$work/post.lua" \
    "http://127.0.0.1:$port" | tee "$work/wrk.txt"
  if grep -q "Non-2xx" "$work/wrk.txt"; then
    echo "run $run: some responses were errors" >&2
    failed=1
  fi
  echo "after run $run: kefu resident memory $(rss)"
done
echo "decisions during the run (a handoff would silence that session's bot):"
curl -sf "http://127.0.0.1:$port/metrics" | grep -E '^kefu_(decisions_total|answer_cache_total|(engine|embedding)_seconds_(sum|count))' || true
echo "kefu peak resident memory: $(grep VmHWM /proc/$pid/status | awk '{print $2, $3}')"
exit "${failed:-0}"
