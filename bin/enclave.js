#!/usr/bin/env node
// Runs the TypeScript CLI directly (tsx), so `npx --no-install enclave` works on a fresh clone with no build step.
require("tsx/cjs");
const { guardOutputStreams, main } = require("../cli/main.ts");
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
