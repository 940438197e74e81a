#!/usr/bin/env node
// `npm run bench`: offline plan benchmarks (bench/run.ts) run with tsx, no build step. Not a test: it asserts nothing.
require("tsx/cjs");
const { main } = require("../bench/run.ts");
main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (err) => {
        process.stderr.write(`bench: ${(err && err.stack) || err}\n`);
        process.exitCode = 1;
    },
);
