import type { Command } from "commander";
import type { DiffOptions } from "./options";

export function register(program: Command): void {
    program
        .command("diff")
        .description("Effective-access and resource difference between two versions of a vendor (exit 3 when access widened or the seal time changed)")
        .argument("[vendor]", "vendor id, with --base <git-ref>: compares the ref (its code and specs) with the working tree")
        .option("--base <git-ref>", "git revision to compare with: planned by its own code, from a temporary git worktree")
        .option("--all", "with --base: every vendor on either side (added ones gain everything, removed ones lose everything) and the security stack")
        .option("--base-spec <file>", "base vendor spec file (both specs planned with the working tree's code)")
        .option("--head-spec <file>", "head vendor spec file")
        .option("--base-plan <file>", "base plan JSON (enclave plan --json)")
        .option("--head-plan <file>", "head plan JSON")
        .option("--security-spec <file>", "security stack spec (default: stacks/security.yaml)")
        .option(
            "--json",
            "print the diff as JSON: the access diff with its resource diff under `resources` (with --all: {base, head, widened, sealedAtChanged, vendors: {<id>: diff | {error}}, security})",
        )
        .action(async (vendor: string | undefined, opts: DiffOptions) => (await import("./diffRun.js")).runDiff(vendor, opts));
}
