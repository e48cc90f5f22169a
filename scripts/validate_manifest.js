#!/usr/bin/env node
// Validate a Teams app manifest against the schema its "$schema" names, offline, with
// @microsoft/app-manifest (which also needs fs-extra at run time).
// Usage: node scripts/validate_manifest.js path/to/manifest.json (also run by `peer-challenge manifest --check`)
// Exit status: 0 valid, 1 invalid or not checkable, 2 usage.
"use strict";

const fs = require("fs");

function fail(message) {
  console.error(message);
  process.exit(1);
}

// The library falls back to downloading a schema it does not bundle; a test must not
// depend on the network, so refuse any schema that is not in the package.
function assertSchemaBundled(AppManifestUtils, schemaUrl) {
  const suffix = AppManifestUtils.getLocalSchemaSuffix(schemaUrl);
  // The first candidate is the copy inside the package; the others (beside node's
  // executable, under the working directory) are not the package's own.
  const bundled = suffix && AppManifestUtils.getLocalSchemaCandidates(suffix)[0];
  if (!bundled || !fs.existsSync(bundled)) {
    fail(`schema not bundled with @microsoft/app-manifest (would need the network): ${schemaUrl}`);
  }
}

async function main() {
  const manifestPath = process.argv[2];
  if (!manifestPath || process.argv.length > 3) {
    console.error("usage: node validate_manifest.js MANIFEST_JSON");
    process.exit(2);
  }

  let AppManifestUtils;
  try {
    ({ AppManifestUtils } = require("@microsoft/app-manifest"));
  } catch (error) {
    fail(`cannot load @microsoft/app-manifest (and fs-extra): ${error.message}`);
  }

  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8").replace(/^\uFEFF/, ""));
  } catch (error) {
    fail(`cannot read ${manifestPath}: ${error.message}`);
  }
  if (typeof manifest.$schema !== "string") {
    fail(`${manifestPath}: the manifest has no "$schema"`);
  }
  assertSchemaBundled(AppManifestUtils, manifest.$schema);

  const errors = await AppManifestUtils.validateAgainstSchema(manifest);
  if (errors.length > 0) {
    console.error(`${manifestPath}: ${errors.length} schema error(s) against ${manifest.$schema}`);
    for (const error of errors) {
      console.error(`  ${error}`);
    }
    process.exit(1);
  }
  console.log(`${manifestPath}: valid against ${manifest.$schema}`);
}

main().catch((error) => fail(`validation failed: ${error.stack || error}`));
