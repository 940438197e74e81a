import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

// The workflows cannot run here. This proves they parse and wire the steps docs/operations.md promises; it cannot prove that
// GitHub, gh, Pulumi or the AWS OIDC role behave as configured.

const WF = path.join(__dirname, "..", ".github", "workflows");
type Step = { name?: string; uses?: string; run?: string; if?: string; env?: Record<string, string>; with?: Record<string, unknown> };
type Workflow = { on: Record<string, { branches?: string[]; types?: string[]; paths?: string[] }>; permissions: Record<string, string>; jobs: Record<string, { steps: Step[]; env?: Record<string, string> }> };
const load = (f: string) => parse(fs.readFileSync(path.join(WF, f), "utf8")) as Workflow;
const runs = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps.map((s) => s.run ?? "")).join("\n");

describe("CI workflows", () => {
    it("pull-request: install, type-check, test, then plan/check/diff per changed vendor with the approval gate", () => {
        const w = load("pull-request.yml");
        expect(w.on.pull_request.types).toEqual(["opened", "synchronize", "reopened", "labeled", "unlabeled"]);
        expect(w.permissions).toEqual({ contents: "read", "pull-requests": "write" });
        const steps = w.jobs.verify.steps;
        expect(steps.map((s) => s.run?.split("\n")[0] ?? s.uses)).toEqual([
            "actions/checkout@v4",
            "actions/setup-node@v4",
            "npm ci",
            "npm run typecheck",
            "npx vitest run",
            expect.stringContaining("git diff --name-only --diff-filter=AM"),
            "npx --no-install enclave plan --security",
            "status=0",
        ]);
        expect(steps[0].with).toEqual({ "fetch-depth": 0 });
        const loop = steps[steps.length - 1];
        expect(loop.run).toContain('npx --no-install enclave plan "$v"');
        expect(loop.run).toContain('npx --no-install enclave check "$v"');
        expect(loop.run).toContain('npx --no-install enclave diff "$v" --base "origin/${BASE_REF}"');
        expect(loop.run).toContain('gh pr comment "$PR_NUMBER" --body-file');
        expect(loop.run).toMatch(/if \[ "\$rc" -eq 3 \]; then\n\s+if \[ "\$APPROVED" = "true" \]/);
        expect(loop.env!.APPROVED).toBe("${{ contains(github.event.pull_request.labels.*.name, 'security-approved') }}");
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
