import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AIRLOCK_HANDLERS } from "../contract/airlock";
import { bundleAirlock, FORBIDDEN_IN_BUNDLE, type BundleResult } from "../scripts/bundle-airlock";

// The Lambda code the airlock ships: one self-contained bundle per handler. What this cannot prove: that the Lambda
// runtime loads it (no Lambda here); it proves the bundle loads in plain Node 20 with nothing beside it.

let out: string;
let bundles: BundleResult[];
beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), "airlock-bundle-"));
    bundles = await bundleAirlock(out);
}, 120_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("airlock bundles", () => {
    it("bundles every handler into <name>/index.js exporting a handler function, loadable alone", () => {
        expect(bundles.map((b) => b.handler)).toEqual([...AIRLOCK_HANDLERS]);
        for (const b of bundles) {
            expect(b.outfile).toBe(join(out, b.handler, "index.js"));
            const mod = createRequire(b.outfile)(b.outfile) as { handler?: unknown };
            expect(typeof mod.handler, b.handler).toBe("function");
        }
    });

    it("carries neither the Pulumi runtime nor the AGPL simulator", () => {
        for (const b of bundles) {
            const text = readFileSync(b.outfile, "utf8");
            for (const m of FORBIDDEN_IN_BUNDLE) expect(text.includes(`node_modules/${m}`), `${b.handler} contains ${m}`).toBe(false);
        }
    });
});
