# Sourced by .ci/test and .ci/run: makes a clean Debian 12 machine ready for the test suite.
# Installs what is missing (build tools, PostgreSQL, Chromium + chromedriver, the name font, the
# Rust components) and starts PostgreSQL. Safe to run again: every step checks first and only
# changes what is missing.
# shellcheck shell=bash
export DEBIAN_FRONTEND=noninteractive

step() { printf '\n==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() { printf '\nERROR: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

# --- apt: `apt-get update` only when a package has no install candidate or an install fails.
apt_updated=no
apt_update() {
    if [ "$apt_updated" = no ]; then
        note "apt-get update"
        as_root apt-get update -qq
        apt_updated=yes
    fi
}
apt_install() {
    local pkg
    for pkg in "$@"; do
        if ! apt-cache policy "$pkg" 2>/dev/null | grep -q 'Candidate: [^(]'; then
            apt_update
            break
        fi
    done
    note "apt-get install -y $*"
    if ! as_root apt-get install -y -qq --no-install-recommends "$@" </dev/null; then
        [ "$apt_updated" = no ] || die "apt-get install $* failed"
        apt_update
        as_root apt-get install -y -qq --no-install-recommends "$@" </dev/null
    fi
}

# --- Build tools (C compiler for ring/aws-lc, OpenSSL headers for the mailer's native-tls).
step "Build tools"
missing=()
command -v cc >/dev/null 2>&1 || missing+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if ! pkg-config --exists openssl 2>/dev/null; then missing+=(libssl-dev); fi
[ -e /etc/ssl/certs/ca-certificates.crt ] || missing+=(ca-certificates)
if [ "${#missing[@]}" -gt 0 ]; then
    apt_install "${missing[@]}"
else
    note "cc, pkg-config, OpenSSL headers: present"
fi

# --- PostgreSQL: installed, running, and reachable as postgres over TCP without a password.
step "PostgreSQL"
if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls -A /etc/postgresql 2>/dev/null)" ]; then
    apt_install postgresql
else
    # shellcheck disable=SC2012 # cluster version directories: plain numbers
    note "installed: $(ls /etc/postgresql | tr '\n' ' ')"
fi
# shellcheck disable=SC2012
pg_version="$(ls /etc/postgresql | head -1)"
[ -n "$pg_version" ] || die "no PostgreSQL cluster under /etc/postgresql"
if pg_isready -q -h 127.0.0.1 -p 5432; then
    note "running on 127.0.0.1:5432"
else
    note "starting cluster $pg_version/main"
    as_root pg_ctlcluster --skip-systemctl-redirect "$pg_version" main start || true
    for _ in $(seq 1 60); do
        pg_isready -q -h 127.0.0.1 -p 5432 && break
        sleep 0.5
    done
    pg_isready -h 127.0.0.1 -p 5432 || die "PostgreSQL did not start (see /var/log/postgresql/)"
fi

pg_trusts_tcp() {
    PGPASSWORD='' psql -w -h 127.0.0.1 -p 5432 -U postgres -d postgres -Atqc 'select 1' \
        </dev/null >/dev/null 2>&1
}
if pg_trusts_tcp; then
    note "postgres@127.0.0.1:5432 connects without a password"
else
    hba="$(as_root runuser -u postgres -- psql -Atqc 'show hba_file' </dev/null)"
    [ -n "$hba" ] || die "cannot locate pg_hba.conf"
    note "adding 'host all all 127.0.0.1/32 trust' to the top of $hba (first match wins)"
    as_root cp -n "$hba" "$hba.orig-before-ci" || true
    as_root sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
    as_root runuser -u postgres -- psql -Atqc 'select pg_reload_conf()' </dev/null >/dev/null
    sleep 1
    pg_trusts_tcp || die "postgres still cannot connect to 127.0.0.1:5432 without a password"
fi
# The tests create (and drop) their own databases; this only tells them where the server is.
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
note "DATABASE_URL=$DATABASE_URL"

# --- Headless browser for the browser journeys (tests/it/browser*.rs).
step "Chromium and chromedriver"
if [ -x /usr/bin/chromedriver ] && [ -x /usr/bin/chromium ]; then
    note "$(/usr/bin/chromedriver --version 2>/dev/null | head -1)"
else
    apt_install chromium chromium-driver
fi

# --- The fallback font for names on certificates (IPAmj明朝: 𠮷 and other family-register
# variants; src/export/certificate_pdf.rs).
step "Certificate name font"
if [ -f /usr/share/fonts/truetype/ipamj/ipamjm.ttf ]; then
    note "IPAmj Mincho: present"
else
    apt_install fonts-ipamj-mincho
fi

# --- The connection pooler for the pgbouncer drill (benches/drills/pgbouncer.rs), which starts
# it from a temporary config of its own (the package's service is not used).
step "PgBouncer"
if command -v pgbouncer >/dev/null 2>&1; then
    note "$(pgbouncer --version 2>/dev/null | head -1)"
else
    apt_install pgbouncer
fi

# --- Rust toolchain.
step "Rust toolchain"
if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
    # shellcheck disable=SC1091
    . "$HOME/.cargo/env"
fi
command -v cargo >/dev/null 2>&1 ||
    die "cargo not found; install Rust with rustup (https://rustup.rs) and run again"
components=()
cargo fmt --version >/dev/null 2>&1 || components+=(rustfmt)
cargo clippy --version >/dev/null 2>&1 || components+=(clippy)
if [ "${#components[@]}" -gt 0 ]; then
    command -v rustup >/dev/null 2>&1 || die "missing ${components[*]} and no rustup to add them"
    note "rustup component add ${components[*]}"
    rustup component add "${components[@]}"
fi
note "$(cargo --version)"
note "$(cargo fmt --version)"
note "$(cargo clippy --version)"


# --- The page checkers: axe-core (run in Chromium by the browser journeys,
# tests/it/common/a11y.rs) and the W3C Nu HTML checker (run by .ci/run), from the npm registry at
# the versions .ci/tools/package-lock.json pins.
step "Page checkers (axe-core, vnu-jar)"
if [ -f .ci/tools/node_modules/axe-core/axe.min.js ] && [ -f .ci/tools/node_modules/vnu-jar/build/dist/vnu.jar ]; then
    note "present in .ci/tools/node_modules"
else
    command -v npm >/dev/null 2>&1 || apt_install nodejs npm
    note "npm ci --prefix .ci/tools"
    npm ci --prefix .ci/tools --no-audit --no-fund --loglevel=error </dev/null
fi

# --- schemathesis (PyPI), which .ci/run points at the organizer API's OpenAPI document
# (.ci/api_fuzz.sh). A venv of its own under .ci/tools, at a pinned version.
step "schemathesis"
if [ -x .ci/tools/venv/bin/schemathesis ]; then
    note "$(.ci/tools/venv/bin/schemathesis --version)"
else
    python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || apt_install python3-venv
    command -v curl >/dev/null 2>&1 || apt_install curl
    note "python3 -m venv .ci/tools/venv; pip install schemathesis==4.32.5"
    python3 -m venv .ci/tools/venv
    .ci/tools/venv/bin/pip install -q --disable-pip-version-check "schemathesis==4.32.5" </dev/null
fi
export SCHEMATHESIS="$PWD/.ci/tools/venv/bin/schemathesis"
# The calendar feed's test (tests/it/calendar.rs) parses the feed with Python's icalendar, from
# the same venv.
if ! .ci/tools/venv/bin/python -c 'import icalendar' >/dev/null 2>&1; then
    note "pip install icalendar==7.3.2"
    .ci/tools/venv/bin/pip install -q --disable-pip-version-check "icalendar==7.3.2" </dev/null
fi
export ICAL_PYTHON="$PWD/.ci/tools/venv/bin/python"
