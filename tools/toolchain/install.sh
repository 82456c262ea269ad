#!/usr/bin/env bash
# `npm run toolchain`: installs every real program the validators and tests run, at pinned versions.
# Debian's packages (as root, when missing), checkov in a virtual environment and the Go-built binaries
# and Terraform providers in the cache outside the repository (tools/toolchain/install.ts). Safe to rerun:
# whatever is present at the right version is kept.
set -euo pipefail
cd "$(dirname "$0")/../.."
cache="${ARGO_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/argo-infra}"
mkdir -p "$cache"

# The lab's files are judged by shellcheck, cloud-init's schema, haproxy and dnsmasq; GNU time measures builds;
# etcd stores the Kubernetes e2e's API server (e2e/k8s).
missing=""
for tool in shellcheck:shellcheck cloud-init:cloud-init haproxy:haproxy dnsmasq:dnsmasq-base openssl:openssl \
  /usr/bin/time:time unshare:util-linux etcd:etcd-server; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || missing="$missing ${tool#*:}"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "toolchain: missing Debian packages:$missing (run as root, or install them)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086 # one word per package
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# checkov, pinned, in its own virtual environment (keyed by version, so a new pin gets a new venv).
checkov_version=$(node -p 'require("./tools/toolchain/versions.json").python.checkov')
venv="$cache/venv"
if [ "$("$venv/bin/checkov" --version 2>/dev/null || true)" != "$checkov_version" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "checkov==$checkov_version"
fi
# botocore, pinned, in the same environment (checkov depends on it): its service models judge the AWS requests.
botocore_version=$(node -p 'require("./tools/toolchain/versions.json").python.botocore')
if [ "$("$venv/bin/python" -c 'import botocore; print(botocore.__version__)' 2>/dev/null || true)" != "$botocore_version" ]; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check "botocore==$botocore_version"
fi

npx tsx tools/toolchain/install.ts "$@"
