#!/usr/bin/env bash
# App validation (issue 4), called by .ci/run: builds the package with `cargo xtask package`,
# then checks it with Splunk AppInspect (cloud tag, zero failures), ksconf, and objdump/readelf
# (no glibc symbol newer than 2.17, position-independent executable).
# Installs what it needs: libmagic1 (apt) and a venv .venv-splunk with the pinned tools.
set -euo pipefail
cd "$(dirname "$0")/.."

APPINSPECT_VERSION=4.3.1   # bump deliberately: new AppInspect releases add checks
KSCONF_VERSION=0.13.10
GLIBC_MAX=2.17
VENV=.venv-splunk

step() { printf '\n== app-check: %s (%ss)\n' "$1" "$SECONDS"; }

step "version"
version=$(cargo metadata --no-deps --format-version 1 | python3 -c '
import json, sys
print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "emailoutlier"))')
tgz="dist/emailoutlier-${version}.tgz"
bin="dist/emailoutlier/linux_x86_64/bin/emailoutlier"
echo "emailoutlier ${version} -> ${tgz}"

step "cargo xtask package"
cargo xtask package

step "package layout"
if tar -tzf "$tgz" | grep -v -e '^emailoutlier/' -e '^emailoutlier$' | grep .; then
    echo "app-check: members outside the single top folder emailoutlier/ (above)" >&2
    exit 1
fi
if tar -tzf "$tgz" | grep -e '/\.' -e '^\./'; then
    echo "app-check: dot-files or ./ members in the package (above)" >&2
    exit 1
fi
echo "one top folder, no dot-files: ok"

step "tools"
if ! dpkg -s libmagic1 >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libmagic1
fi
if ! "$VENV/bin/splunk-appinspect" --help >/dev/null 2>&1 || ! "$VENV/bin/ksconf" --version >/dev/null 2>&1; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet "splunk-appinspect==${APPINSPECT_VERSION}" "ksconf==${KSCONF_VERSION}"
fi

step "AppInspect (precert, cloud)"
set +e
"$VENV/bin/splunk-appinspect" inspect "$tgz" --mode precert --included-tags cloud \
    --skip-trusted-libraries-update --ci --data-format json \
    --output-file dist/appinspect.json >dist/appinspect.log 2>&1
rc=$?
set -e
report() {  # prints every check whose result is one of the given kinds, with its messages
    python3 - "$@" <<'PY'
import json, sys
kinds = set(sys.argv[1:])
data = json.load(open("dist/appinspect.json"))
for report in data["reports"]:
    for group in report["groups"]:
        for check in group["checks"]:
            if check["result"] in kinds:
                print(f"{check['result'].upper()}: {check['name']}")
                for message in check["messages"]:
                    print(f"    {message.get('message', '').strip()}")
print("summary:", json.dumps(data["summary"]))
PY
}
case $rc in
    0) report ;;
    103) echo "AppInspect: warnings only"; report warning ;;
    *)
        echo "AppInspect failed (exit ${rc}); log: dist/appinspect.log" >&2
        if [ -s dist/appinspect.json ]; then report failure error warning manual_check >&2; else tail -40 dist/appinspect.log >&2; fi
        exit 1
        ;;
esac

step "ksconf check"
"$VENV/bin/ksconf" check default/*.conf

step "glibc <= ${GLIBC_MAX} and PIE"
newest=$(objdump -T "$bin" | grep -o 'GLIBC_[0-9.]*' | sed 's/^GLIBC_//' | sort -Vu | tail -1)
if [ "$(printf '%s\n%s\n' "$newest" "$GLIBC_MAX" | sort -V | tail -1)" != "$GLIBC_MAX" ]; then
    echo "app-check: $bin needs GLIBC_${newest}, newer than ${GLIBC_MAX}" >&2
    exit 1
fi
echo "newest glibc symbol version: GLIBC_${newest}"
if ! readelf -h "$bin" | grep -Eq 'Type:[[:space:]]+DYN'; then
    echo "app-check: $bin is not position-independent (ELF type is not DYN)" >&2
    exit 1
fi
echo "ELF type DYN (PIE): ok"

step "done"
