import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { checkVendorAgainstSecurity, listVendorIds, loadOrganizationSpec, loadVendorSpec } from "../config/load";
import { ACME, fixtureText, securityFixture } from "./support/fixtures";
import { parse } from "yaml";

// The account-per-vendor spec: `isolation` in the vendor spec (shared-account by default) with its memberAccount, and
// the organization stack's spec, validated by the same loaders the CLI uses.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "enclave-account-spec-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const ORG = {
    organizationId: "o-a1b2c3d4e5",
    rootId: "r-ab12",
    managementAccountId: "999900001111",
    region: "us-east-1",
    deployerRoleName: "enclave-deployer",
    breakGlassRoleName: "enclave-break-glass",
    allowedRegions: ["us-east-1"],
    logArchiveAccountId: "111122223333",
};
const write = (name: string, data: unknown) => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, stringify(data));
    return file;
};
const acme = () => parse(fixtureText(ACME)) as Record<string, unknown>;

describe("vendor spec: isolation", () => {
    it("defaults to shared-account with no member account", () => {
        const spec = loadVendorSpec(write("acme-labeling.yaml", acme()), ACME);
        expect(spec.isolation).toBe("shared-account");
        expect(spec.memberAccount).toBeUndefined();
    });

    it("account mode takes a member account to adopt or create, with the role to assume (default enclave-deployer, the deployer role name)", () => {
        const adopt = loadVendorSpec(
            write("acme-labeling.yaml", { ...acme(), account: { id: "210987654321", region: "us-east-1" }, isolation: "account", memberAccount: {} }),
            ACME,
        );
        expect(adopt.memberAccount).toEqual({ roleName: "enclave-deployer" });
        const create = loadVendorSpec(
            write("acme-labeling.yaml", {
                ...acme(),
                isolation: "account",
                memberAccount: { create: { email: "enclave-acme@lab.example", name: "enclave-acme-labeling" }, roleName: "enclave-deployer" },
            }),
            ACME,
        );
        expect(create.memberAccount).toEqual({ create: { email: "enclave-acme@lab.example", name: "enclave-acme-labeling" }, roleName: "enclave-deployer" });
    });

    it("one line per mistake: memberAccount missing in account mode, set in shared mode, a bad email", () => {
        const file = write("acme-labeling.yaml", { ...acme(), isolation: "account" });
        expect(() => loadVendorSpec(file, ACME)).toThrow(
            /memberAccount is missing but isolation is account: got nothing\. Fix: with isolation: account give memberAccount: \{roleName\}/,
        );
        const shared = write("acme-labeling.yaml", { ...acme(), memberAccount: {} });
        expect(() => loadVendorSpec(shared, ACME)).toThrow(/memberAccount is set but isolation is shared-account \(it would be ignored\)/);
        const bad = write("acme-labeling.yaml", { ...acme(), isolation: "account", memberAccount: { create: { email: "nope", name: "x" } } });
        expect(() => loadVendorSpec(bad, ACME)).toThrow(/memberAccount\.create\.email is not an email address: got "nope"/);
        const mode = write("acme-labeling.yaml", { ...acme(), isolation: "vpc" });
        expect(() => loadVendorSpec(mode, ACME)).toThrow(
            /isolation is not an isolation mode \(shared-account or account\): got "vpc". Fix: use shared-account or account\./,
        );
    });

    it("an account-mode enclave is refused in the archive's account, and may be in another account than the security stack's", () => {
        const security = securityFixture();
        const own = loadVendorSpec(
            write("acme-labeling.yaml", { ...acme(), account: { id: "210987654321", region: "us-east-1" }, isolation: "account", memberAccount: {} }),
            ACME,
        );
        expect(() => checkVendorAgainstSecurity(own, "stacks/acme-labeling.yaml", security)).not.toThrow();
        const same = { ...own, account: { ...own.account, id: security.account.id } };
        expect(() => checkVendorAgainstSecurity(same, "stacks/acme-labeling.yaml", security)).toThrow(
            /account\.id is the security stack's account but isolation is account/,
        );
        const shared = { ...own, isolation: "shared-account" as const, memberAccount: undefined };
        expect(() => checkVendorAgainstSecurity(shared, "stacks/acme-labeling.yaml", security)).toThrow(/account\.id differs from the security stack's/);
    });
});

describe("organization spec", () => {
    it("loads with the OU names defaulted", () => {
        const spec = loadOrganizationSpec(write("organization.yaml", ORG));
        expect(spec).toEqual({ ...ORG, vendorsOuName: "Vendors", quarantineOuName: "Quarantine" });
    });

    it("refuses break-glass equal to the deployer, the archive in the management account, and a region outside the allowed ones", () => {
        expect(() => loadOrganizationSpec(write("organization.yaml", { ...ORG, breakGlassRoleName: "enclave-deployer" }))).toThrow(
            /breakGlassRoleName is the deployer role; break-glass must be a separate role/,
        );
        expect(() => loadOrganizationSpec(write("organization.yaml", { ...ORG, logArchiveAccountId: ORG.managementAccountId }))).toThrow(
            /logArchiveAccountId is the management account/,
        );
        expect(() => loadOrganizationSpec(write("organization.yaml", { ...ORG, allowedRegions: ["eu-west-1"] }))).toThrow(
            /allowedRegions does not include the stack's own region us-east-1/,
        );
        expect(() => loadOrganizationSpec(write("organization.yaml", { ...ORG, organizationId: "org-1" }))).toThrow(
            /organizationId is not an organization id \(o-\.\.\.\): got "org-1"/,
        );
    });

    it("organization.yaml is no vendor spec: the fleet listing skips it, and organization is no vendor id", () => {
        const dir = fs.mkdtempSync(path.join(tmp, "stacks-"));
        fs.writeFileSync(path.join(dir, "organization.yaml"), stringify(ORG));
        fs.writeFileSync(path.join(dir, "acme-labeling.yaml"), fixtureText(ACME));
        expect(listVendorIds(dir)).toEqual([ACME]);
        expect(() => loadVendorSpec(write("organization.yaml", { ...acme(), id: "organization" }))).toThrow(/id is reserved for the organization stack/);
    });
});
