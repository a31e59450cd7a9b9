#!/usr/bin/env bash
# Makes sure Postgres and Redis answer at the configured URLs. If they do not and they are meant to be
# local, starts them (installing the Debian packages first when running as root); otherwise says
# exactly what to do. Used by `npm start` and `npm test`.
set -euo pipefail

DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/scout}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"

say() { printf '[services] %s\n' "$*" >&2; }
is_local() { case "$1" in 127.*|localhost|::1|"") return 0;; *) return 1;; esac; }

url_host() { node -e 'const u=new URL(process.argv[1]);process.stdout.write(u.hostname.replace(/^\[|\]$/g,""))' "$1"; }
url_port() { node -e 'const u=new URL(process.argv[1]);process.stdout.write(u.port||process.argv[2])' "$1" "$2"; }

pg_host=$(url_host "$DATABASE_URL"); pg_port=$(url_port "$DATABASE_URL" 5432)
redis_host=$(url_host "$REDIS_URL"); redis_port=$(url_port "$REDIS_URL" 6379)

tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

apt_install() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then return 1; fi
  say "installing $* with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq "$@" >/dev/null
}

wait_for() { # host port name
  for _ in $(seq 1 60); do tcp_open "$1" "$2" && return 0; sleep 0.5; done
  say "$3 did not come up on $1:$2"; return 1
}

ensure_postgres() {
  tcp_open "$pg_host" "$pg_port" && return 0
  if ! is_local "$pg_host"; then
    say "Postgres is not reachable at $pg_host:$pg_port (DATABASE_URL). Start it or point DATABASE_URL at a running server."
    exit 1
  fi
  if ! command -v pg_ctlcluster >/dev/null; then
    apt_install postgresql || { say "Postgres is not installed. Install it (Debian/Ubuntu: sudo apt-get install postgresql) and run this again."; exit 1; }
  fi
  local ver; ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
  if [ -z "$ver" ]; then say "no Postgres cluster found under /etc/postgresql; create one with pg_createcluster."; exit 1; fi
  say "starting Postgres $ver"
  if [ "$(id -u)" = 0 ]; then pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  else pg_ctlcluster "$ver" main start || { say "could not start Postgres; run: sudo pg_ctlcluster $ver main start"; exit 1; }
  fi
  wait_for "$pg_host" "$pg_port" Postgres
  # Local trust auth is expected for development; create the database if it is missing.
}

ensure_redis() {
  tcp_open "$redis_host" "$redis_port" && return 0
  if ! is_local "$redis_host"; then
    say "Redis is not reachable at $redis_host:$redis_port (REDIS_URL). Start it or point REDIS_URL at a running server."
    exit 1
  fi
  if ! command -v redis-server >/dev/null; then
    apt_install redis-server || { say "Redis is not installed. Install it (Debian/Ubuntu: sudo apt-get install redis-server) and run this again."; exit 1; }
  fi
  say "starting Redis on 127.0.0.1:$redis_port"
  local dir=/var/lib/redis; [ -w "$dir" ] || dir=$(mktemp -d)
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$redis_port" --save "" --appendonly no \
    --maxmemory-policy noeviction --dir "$dir" --logfile "$dir/scout-redis.log"
  wait_for "$redis_host" "$redis_port" Redis
}

ensure_database() {
  local db; db=$(node -e 'const u=new URL(process.argv[1]);process.stdout.write(decodeURIComponent(u.pathname.slice(1)))' "$DATABASE_URL")
  [ -n "$db" ] || return 0
  node --input-type=module -e '
    import pg from "pg";
    const target = new URL(process.argv[1]); const db = decodeURIComponent(target.pathname.slice(1));
    const admin = new URL(process.argv[1]); admin.pathname = "/postgres";
    const c = new pg.Client({ connectionString: admin.toString() });
    await c.connect();
    const r = await c.query("select 1 from pg_database where datname = $1", [db]);
    if (r.rowCount === 0) { await c.query(`create database "${db.replace(/"/g, "")}"`); console.error(`[services] created database ${db}`); }
    await c.end();
  ' "$DATABASE_URL"
}

ensure_postgres
ensure_redis
[ "${1:-}" = "--with-database" ] && ensure_database
exit 0
