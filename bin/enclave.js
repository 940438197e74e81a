#!/usr/bin/env node
// Runs the TypeScript CLI directly (tsx), so `npx enclave` works on a fresh clone with no build step.
require("tsx/cjs");
const { main } = require("../cli/main.ts");
main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (err) => {
        process.stderr.write(`enclave: unexpected failure: ${err && err.message}\n`);
        process.exitCode = 1;
    },
);
