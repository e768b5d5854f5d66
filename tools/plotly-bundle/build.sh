#!/bin/sh
# Rebuilds assets/vendor/plotly-atlas.min.js: plotly.js with only the trace types the atlas draws
# (entry.js), minified with esbuild the way plotly.js builds its own dist bundles (lib/esbuild-config.js).
# Not part of `make run` / `make test`: the built file is committed. Needs node >= 18 and npm (registry).
#
#   tools/plotly-bundle/build.sh
#
# Keep plotly.js at the version of the Python plotly package's bundled plotly.min.js (its header
# comment: `head -2 .venv/lib/python3.11/site-packages/plotly/package_data/plotly.min.js`); bump it in
# package.json, run `npm install --package-lock-only` here, then this script.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../../assets/vendor/plotly-atlas.min.js"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$here/package-lock.json" "$here/entry.js" "$work/"
cd "$work"
npm ci --no-audit --no-fund --loglevel=error
version=$(node -p "require('plotly.js/package.json').version")
esbuild_version=$(node -p "require('esbuild/package.json').version")
banner="/**
* plotly.js (atlas partial bundle - minified) v$version
* Copyright 2012-2026, Plotly, Inc.
* All rights reserved.
* Licensed under the MIT license
*
* Traces: scatter, bar, choropleth, treemap, sunburst, table (tools/plotly-bundle/entry.js).
* Built by tools/plotly-bundle/build.sh: npm ci (package-lock.json: plotly.js $version,
* esbuild $esbuild_version), then esbuild entry.js --bundle --minify --format=iife --global-name=Plotly
* --target=es2016 --define:global=window --define:define.amd=false --alias:regl=@plotly/regl
* --alias:stream=stream-browserify --loader:.css=empty --legal-comments=eof
*/"
./node_modules/.bin/esbuild entry.js --bundle --minify --format=iife --global-name=Plotly --target=es2016 \
  --define:global=window --define:define.amd=false --alias:regl=@plotly/regl --alias:stream=stream-browserify \
  --loader:.css=empty --legal-comments=eof --banner:js="$banner" --footer:js="window.Plotly = Plotly;" \
  --log-level=warning --outfile="$work/plotly-atlas.min.js"
mkdir -p "$(dirname "$out")"
mv "$work/plotly-atlas.min.js" "$out"
echo "wrote $out ($(wc -c < "$out") bytes, plotly.js $version)"
