import * as path from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

// The slowest files, slowest first (about 75, 20 and 15 s each on the two-core CI machine). Without a results cache (a
// clean clone in CI) vitest starts the largest files first, and the slowest file is a small one: started last, it ran
// alone on one worker while the other sat idle. Started first, it runs beside everything else. Order only: a file
// missing from the list, or a list gone stale, changes when a file runs, never what it checks.
const SLOWEST_FIRST = [
    "test/diff-revision.test.ts",
    "test/access-diff.test.ts",
    "test/cli-process.test.ts",
    "test/resource-diff.test.ts",
    "test/guardrails.test.ts",
    "test/aws-moto.test.ts",
    "test/access-network.test.ts",
    "test/runbook.test.ts",
    "test/contain-moto.test.ts",
];

class SlowestFirst extends BaseSequencer {
    override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
        const sorted = await super.sort(files);
        const rank = (f: TestSpecification) => {
            const i = SLOWEST_FIRST.indexOf(path.relative(f.project.config.root, f.moduleId).split(path.sep).join("/"));
            return i < 0 ? SLOWEST_FIRST.length : i;
        };
        // Stable: the files not listed keep the order vitest chose.
        return sorted
            .map((f, i) => ({ f, i, r: rank(f) }))
            .sort((a, b) => a.r - b.r || a.i - b.i)
            .map((x) => x.f);
    }
}

export default defineConfig({
    test: {
        include: ["test/**/*.test.ts"],
        // Each file imports @pulumi/aws (~0.5 s); two workers match the CI machine's two cores.
        pool: "forks",
        maxWorkers: 2,
        sequence: { sequencer: SlowestFirst },
        testTimeout: 60_000,
        hookTimeout: 60_000,
    },
});
