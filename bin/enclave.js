#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm ci` through the `prepare` script): no TypeScript loader at start-up.
const fs = require("node:fs");
const path = require("node:path");

const entry = path.join(__dirname, "..", "dist", "cli", "main.js");
if (!fs.existsSync(entry)) {
    process.stderr.write(
        `enclave: the CLI is not built (no ${path.relative(process.cwd(), entry) || entry}). Fix: run \`npm ci\` (or \`npm run build\`) in ${path.resolve(__dirname, "..")}.\n`,
    );
    process.exit(1);
}
const { guardOutputStreams, main } = require(entry);
guardOutputStreams();
main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (err) => {
        process.stderr.write(`enclave: unexpected failure: ${String(err && err.message).split("\n")[0]}\n`);
        process.exitCode = 1;
    },
);
