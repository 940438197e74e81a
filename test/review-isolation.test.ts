// The Pulumi program must never load review tooling or the AGPL simulator (a devDependency): walk the static import
// graph from index.ts, components/, iam/, config/ and plan/ (import, export-from, require, dynamic import) and fail
// on any edge into review/ or @cloud-copilot/iam-simulate.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..");
const PROGRAM_ROOTS = ["index.ts", "components", "iam", "config", "contract", "plan"];
const FORBIDDEN_PACKAGE = "@cloud-copilot/iam-simulate";
const SPECIFIER = /(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\s*["']([^"']+)["']|(?:require|import)\s*\(\s*["']([^"']+)["']\s*\)/g;

function tsFiles(entry: string): string[] {
    const full = path.join(ROOT, entry);
    if (fs.statSync(full).isFile()) return [full];
    return fs
        .readdirSync(full, { withFileTypes: true })
        .flatMap((d) => (d.isDirectory() ? tsFiles(path.join(entry, d.name)) : d.name.endsWith(".ts") ? [path.join(full, d.name)] : []));
}

function resolveRelative(from: string, spec: string): string | undefined {
    const base = path.resolve(path.dirname(from), spec);
    return [base, `${base}.ts`, path.join(base, "index.ts")].find((f) => fs.existsSync(f) && fs.statSync(f).isFile());
}

function importGraphViolations(roots: string[]): string[] {
    const seen = new Set<string>();
    const queue = roots.flatMap(tsFiles);
    const violations: string[] = [];
    while (queue.length) {
        const file = queue.pop()!;
        if (seen.has(file)) continue;
        seen.add(file);
        const rel = path.relative(ROOT, file);
        if (rel.split(path.sep)[0] === "review") violations.push(`${rel} is reached from the program`);
        const text = fs.readFileSync(file, "utf8");
        for (const m of text.matchAll(SPECIFIER)) {
            const spec = m[1] ?? m[2] ?? m[3];
            if (spec === FORBIDDEN_PACKAGE || spec.startsWith(`${FORBIDDEN_PACKAGE}/`)) violations.push(`${rel} imports ${spec}`);
            if (spec.startsWith(".")) {
                const target = resolveRelative(file, spec);
                if (target) queue.push(target);
            }
        }
    }
    return violations.sort();
}

describe("review tooling stays out of the Pulumi program", () => {
    it("no file reachable from index.ts, components/, iam/, config/ or plan/ imports review/ or iam-simulate", () => {
        expect(importGraphViolations(PROGRAM_ROOTS)).toEqual([]);
    });

    it("the scan catches a violation (self-check on review/ itself)", () => {
        // simulate.ts pulls in the world model and the request context: the scan follows its imports there too.
        expect(importGraphViolations(["review/simulate.ts"])).toEqual([
            "review/context.ts is reached from the program",
            "review/organization.ts is reached from the program",
            "review/simulate.ts imports @cloud-copilot/iam-simulate",
            "review/simulate.ts is reached from the program",
            "review/world.ts is reached from the program",
        ]);
    });

    it("iam-simulate is a devDependency only", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        expect(pkg.dependencies?.[FORBIDDEN_PACKAGE]).toBeUndefined();
        expect(typeof pkg.devDependencies?.[FORBIDDEN_PACKAGE]).toBe("string");
    });
});
