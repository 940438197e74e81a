import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

// The workflows cannot run here. This proves they parse and wire the steps docs/operations.md promises; it cannot prove that
// GitHub, gh, Pulumi or the AWS OIDC role behave as configured.

const WF = path.join(__dirname, "..", ".github", "workflows");
type Step = { name?: string; id?: string; uses?: string; run?: string; if?: string; env?: Record<string, string>; with?: Record<string, unknown> };
type Workflow = {
    on: Record<string, { branches?: string[]; types?: string[]; paths?: string[] }>;
    permissions: Record<string, string>;
    jobs: Record<string, { steps: Step[]; env?: Record<string, string> }>;
};
const load = (f: string) => parse(fs.readFileSync(path.join(WF, f), "utf8")) as Workflow;
const runs = (w: Workflow) =>
    Object.values(w.jobs)
        .flatMap((j) => j.steps.map((s) => s.run ?? ""))
        .join("\n");

describe("CI workflows", () => {
    it("pull-request: install, type-check, test, then guardrails and the diff of every vendor, each side planned with its own code", () => {
        const w = load("pull-request.yml");
        expect(w.on.pull_request.types).toEqual(["opened", "synchronize", "reopened", "labeled", "unlabeled"]);
        // No path filter on the trigger: a label change must re-run the gate whatever the PR touches.
        expect(w.on.pull_request.paths).toBeUndefined();
        expect(w.permissions).toEqual({ contents: "read", "pull-requests": "write" });
        const steps = w.jobs.verify.steps;
        expect(steps.map((s) => s.run?.split("\n")[0] ?? s.uses)).toEqual([
            "actions/checkout@v4",
            "actions/setup-node@v4",
            "npm ci",
            "npm run typecheck",
            "npx vitest run",
            expect.stringContaining("# Everything can, except documentation"),
            "status=0",
            "rc=0",
        ]);
        // The base branch's history: enclave diff --base checks out origin/<base>.
        expect(steps[0].with).toEqual({ "fetch-depth": 0 });
        const [changed, guardrails, diff] = steps.slice(-3);
        expect(guardrails.run).toContain("npx --no-install enclave check --security || status=1");
        expect(guardrails.run).toContain("npx --no-install enclave check --all || status=1");
        expect(guardrails.if).toBe("steps.changed.outputs.plan == 'true'");
        expect(diff.if).toBe("${{ !cancelled() && steps.changed.outputs.plan == 'true' }}");
        expect(changed.if).toBe("${{ !cancelled() }}");
        expect(diff.run).toContain('npx --no-install enclave diff --all --base "origin/${BASE_REF}" > diff.md || rc=$?');
        expect(diff.run).toContain('gh pr comment "$PR_NUMBER" --body-file comment.md');
        expect(diff.run).toMatch(/if \[ "\$rc" -eq 3 \]; then\n\s+if \[ "\$APPROVED" = "true" \]; then\n[^\n]*\n\s+else\n[^\n]*\n\s+exit 1/);
        expect(diff.run).toMatch(/elif \[ "\$rc" -ne 0 \]; then\n[^\n]*\n\s+exit 1/);
        expect(diff.env!.APPROVED).toBe("${{ contains(github.event.pull_request.labels.*.name, 'security-approved') }}");
        // `npx enclave` without --no-install can resolve to an unrelated public package of that name.
        expect(runs(w)).not.toMatch(/npx (?!--no-install )enclave/);
    });

    it("pull-request: the diff runs for code, lock file and spec changes, not for documentation, tests or CI files alone", () => {
        const changed = load("pull-request.yml").jobs.verify.steps.find((s) => s.id === "changed")!;
        const filter = /grep -vE '([^']+)'/.exec(changed.run!)![1];
        // The workflow's own filter, run by bash's grep as in CI, over the files a PR might change.
        const affecting = (files: string[]) =>
            execFileSync("bash", ["-c", `printf '%s\\n' "$@" | grep -vE '${filter}' || true`, "_", ...files], { encoding: "utf8" })
                .split("\n")
                .filter(Boolean);
        expect(
            affecting([
                "iam/document.ts",
                "package-lock.json",
                "stacks/acme-labeling.yaml",
                "stacks/security.yaml",
                "components/network.ts",
                "tsconfig.json",
                "bin/enclave.js",
                "Pulumi.yaml",
            ]),
        ).toEqual([
            "iam/document.ts",
            "package-lock.json",
            "stacks/acme-labeling.yaml",
            "stacks/security.yaml",
            "components/network.ts",
            "tsconfig.json",
            "bin/enclave.js",
            "Pulumi.yaml",
        ]);
        expect(affecting(["README.md", "RUNBOOK.md", "test/simulation.test.ts", ".github/workflows/deploy.yml", "bench/plan.ts"])).toEqual([]);
    });

    it("deploy: on push to main, OIDC credentials, pulumi up per changed stack with the policy pack", () => {
        const w = load("deploy.yml");
        expect(w.on.push.branches).toEqual(["main"]);
        expect(w.permissions).toEqual({ contents: "read", "id-token": "write" });
        expect(Object.keys(w.jobs.up.env!)).toEqual(["PULUMI_ACCESS_TOKEN", "PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"]);
        expect(w.jobs.up.steps.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials"))!.with).toEqual({
            "role-to-assume": "${{ vars.AWS_DEPLOY_ROLE_ARN }}",
            "aws-region": "${{ vars.AWS_REGION }}",
        });
        expect(runs(w)).toContain("npm --prefix guardrails install");
        expect(runs(w)).toContain('npx --no-install enclave check $([ "$s" = security ] && echo --security || echo "$s")');
        expect(runs(w)).toContain('pulumi up --stack "$s" --yes --policy-pack guardrails');
        expect(fs.readFileSync(path.join(WF, "deploy.yml"), "utf8")).not.toMatch(/AKIA|aws_secret_access_key/i);
    });
});
