#!/usr/bin/env node
// `npm run bench`: offline plan benchmarks (bench/run.ts, compiled into dist/ by `npm run build`, which the npm script
// runs first). Not a test: it asserts nothing.
const fs = require("node:fs");
const path = require("node:path");

const entry = path.join(__dirname, "..", "dist", "bench", "run.js");
if (!fs.existsSync(entry)) {
    process.stderr.write(`bench: not built (no ${entry}). Fix: run \`npm run build\` first (\`npm run bench\` does).\n`);
    process.exit(1);
}
const { main } = require(entry);
main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (err) => {
        process.stderr.write(`bench: ${(err && err.stack) || err}\n`);
        process.exitCode = 1;
    },
);
