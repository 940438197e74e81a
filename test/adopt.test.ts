// `enclave adopt`'s faults against a fake Organizations API (aws-sdk-client-mock): each is reported on the resource it
// hit, in one line, and the exit code says what a rerun needs. What this cannot prove: that AWS answers these errors
// with these codes for these calls (test/adopt-moto.test.ts runs the real calls against moto_server).
import {
    ListOrganizationalUnitsForParentCommand,
    ListParentsCommand,
    ListPoliciesCommand,
    ListPoliciesForTargetCommand,
    MoveAccountCommand,
    OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { mockClient } from "aws-sdk-client-mock";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stripVTControlCharacters } from "node:util";
import { stringify } from "yaml";
import { afterEach, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../config/repoRoot";
import { organizationSpecPath } from "../config/load";
import { describeFailure, EXIT } from "../contract/errors";
import { adoptAccount } from "../runbook/adopt";
import type { Ctx } from "../runbook/engine";
import { organizationRelease } from "../runbook/quarantine";
import { ACME } from "./support/fixtures";
import { accountModeFixture, ORG_SPEC, orgPolicyNames } from "./support/orgFacts";

const ACCOUNT = "210987654321";
const VENDORS = "ou-ab12-vendors1";
const QUARANTINE = "ou-ab12-quaran01";
const org = mockClient(OrganizationsClient);
afterEach(() => org.reset());
const client = () => new OrganizationsClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
const awsError = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: {} });

/** The organization as the organization stack leaves it, the adopted account still in the root. */
function organization() {
    org.on(ListOrganizationalUnitsForParentCommand).resolves({
        OrganizationalUnits: [
            { Id: VENDORS, Name: ORG_SPEC.vendorsOuName },
            { Id: QUARANTINE, Name: ORG_SPEC.quarantineOuName },
        ],
    });
    org.on(ListParentsCommand).resolves({ Parents: [{ Id: ORG_SPEC.rootId, Type: "ROOT" }] });
    org.on(ListPoliciesForTargetCommand, { TargetId: ACCOUNT }).resolves({ Policies: [{ Id: "p-1", Name: orgPolicyNames.vendorPrincipals(ACME) }] });
    org.on(ListPoliciesForTargetCommand, { TargetId: VENDORS, Filter: "SERVICE_CONTROL_POLICY" }).resolves({
        Policies: [orgPolicyNames.baseline, orgPolicyNames.logging, orgPolicyNames.perimeter].map((Name, i) => ({ Id: `p-s${i}`, Name })),
    });
    org.on(ListPoliciesForTargetCommand, { TargetId: VENDORS, Filter: "RESOURCE_CONTROL_POLICY" }).resolves({
        Policies: [{ Id: "p-r", Name: orgPolicyNames.dataPerimeter }],
    });
}

async function adopt() {
    const lines: string[] = [];
    const code = await adoptAccount({ client: client(), org: ORG_SPEC, spec: accountModeFixture(ACME, ACCOUNT), out: (l) => lines.push(l) });
    return { code, lines };
}

describe("adoptAccount faults, per resource", () => {
    it("AccessDenied on MoveAccount: one FAIL line naming the account, the action and whose credentials; the checks still run; exit 1", async () => {
        organization();
        org.on(MoveAccountCommand).rejects(awsError("AccessDeniedException", "You don't have permissions to access this resource."));
        const r = await adopt();
        expect(r.code).toBe(EXIT.failure);
        expect(r.lines[0]).toBe(
            `FAIL account ${ACCOUNT}: access denied to organizations:MoveAccount (AccessDeniedException); run with the management account's credentials (ENCLAVE_ORGANIZATION_PROFILE=<profile>)`,
        );
        // The read-back says where the account still is: the move did not happen.
        expect(r.lines[1]).toBe(`FAIL check: not confirmed: account ${ACCOUNT} is in the Vendors OU (parent ${ORG_SPEC.rootId})`);
        expect(r.lines).toHaveLength(4);
        expect(org.commandCalls(MoveAccountCommand).map((c) => c.args[0].input)).toEqual([
            { AccountId: ACCOUNT, SourceParentId: ORG_SPEC.rootId, DestinationParentId: VENDORS },
        ]);
    });

    it("throttling on MoveAccount that outlasts the SDK's retries: one line saying to rerun, exit 1", async () => {
        organization();
        org.on(MoveAccountCommand).rejects(
            awsError("TooManyRequestsException", "AWS Organizations can't complete your request because another request is already in progress."),
        );
        const r = await adopt();
        expect(r.code).toBe(EXIT.failure);
        expect(r.lines[0]).toMatch(
            new RegExp(`^FAIL account ${ACCOUNT}: organizations:MoveAccount still throttled after the SDK's retries .*; rerun in a minute$`),
        );
    });

    it("AccessDenied on the first reads: one line per resource, nothing moved, exit 1", async () => {
        org.on(ListOrganizationalUnitsForParentCommand).rejects(awsError("AccessDeniedException", "denied"));
        org.on(ListParentsCommand).rejects(awsError("AccessDeniedException", "denied"));
        const r = await adopt();
        expect(r.code).toBe(EXIT.failure);
        expect(r.lines).toEqual([
            `FAIL root ${ORG_SPEC.rootId}: access denied to organizations:ListOrganizationalUnitsForParent (AccessDeniedException); run with the management account's credentials (ENCLAVE_ORGANIZATION_PROFILE=<profile>)`,
            `FAIL account ${ACCOUNT}: access denied to organizations:ListParents (AccessDeniedException); run with the management account's credentials (ENCLAVE_ORGANIZATION_PROFILE=<profile>)`,
        ]);
        expect(org.commandCalls(MoveAccountCommand)).toHaveLength(0);
    });

    it("a move AWS acknowledges but that does not hold is a check not confirmed: exit 3", async () => {
        organization();
        org.on(MoveAccountCommand).resolves({});
        const r = await adopt();
        expect(r.code).toBe(EXIT.finding);
        expect(r.lines[0]).toBe(`ok   account ${ACCOUNT}: organizations:MoveAccount ${ORG_SPEC.rootId} -> Vendors OU ${VENDORS}`);
        expect(r.lines).toContain(`FAIL check: not confirmed: account ${ACCOUNT} is in the Vendors OU (parent ${ORG_SPEC.rootId})`);
    });
});

// The built CLI (`npm run build` first), for the exit code and the one line a shell sees. No vendor here reaches AWS.
describe("enclave adopt on the command line", () => {
    const enclave = (...args: string[]) => {
        const r = spawnSync(process.execPath, [path.join(REPO_ROOT, "bin", "enclave.js"), ...args], {
            cwd: REPO_ROOT,
            encoding: "utf8",
            env: { ...process.env, ENCLAVE_DEBUG: "", NO_COLOR: "1" },
            timeout: 60_000,
        });
        return { code: r.status, stdout: r.stdout, stderr: stripVTControlCharacters(r.stderr) };
    };

    it("an unknown vendor: exit 2, one line, nothing on stdout", () => {
        const r = enclave("adopt", "no-such-vendor");
        expect(r.code).toBe(EXIT.invalidInput);
        expect(r.stdout).toBe("");
        expect(r.stderr).toMatch(/^enclave: unknown vendor "no-such-vendor": [^\n]*\n$/);
    });

    it("no vendor: the usage line, exit 2", () => {
        const r = enclave("adopt");
        expect(r.code).toBe(EXIT.invalidInput);
        expect(r.stderr).toBe("enclave: missing required argument 'vendor' (see enclave adopt --help)\n");
    });
});

// The unseal's release step reads the account's parent back: an unsealed account-mode vendor outside the Vendors OU
// has none of that OU's SCPs nor the data-perimeter RCP, so a move AWS acknowledged but that did not hold stops the
// unseal before the spec is unsealed. (The organization-runbook moto test covers the release that holds.)
describe("unseal's release-quarantine, read back", () => {
    it("an account still outside the Vendors OU after the release is a finding (exit 3), before any Pulumi step", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "enclave-release-"));
        try {
            fs.writeFileSync(organizationSpecPath(dir), stringify(ORG_SPEC));
            organization();
            org.on(ListParentsCommand).resolves({ Parents: [{ Id: QUARANTINE, Type: "ORGANIZATIONAL_UNIT" }] });
            org.on(ListPoliciesCommand).resolves({ Policies: [] });
            org.on(MoveAccountCommand).resolves({});
            const lines: string[] = [];
            const ctx = {
                vendor: ACME,
                deps: { organizations: client(), stacksDir: dir, out: (l: string) => lines.push(l) },
                spec: () => accountModeFixture(ACME, ACCOUNT),
            } as unknown as Ctx;
            const failure = await organizationRelease.run(ctx).then(
                () => null,
                (err: unknown) => describeFailure(err),
            );
            expect(lines).toContain(`  ok   account ${ACCOUNT}: move back to the Vendors OU`);
            expect(failure).toEqual({
                message: `unseal ${ACME}: not confirmed: account ${ACCOUNT} is in ${QUARANTINE}, not the Vendors OU ${VENDORS}; rerun \`enclave unseal ${ACME}\``,
                exitCode: EXIT.finding,
            });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
