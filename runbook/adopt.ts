import { MoveAccountCommand, type OrganizationsClient } from "@aws-sdk/client-organizations";
import { loadOrganizationSpec, loadVendorSpec, organizationSpecPath } from "../config/load";
import type { OrganizationSpec, VendorSpec } from "../config/schema";
import { CliError, EXIT } from "../contract/errors";
import { orgPolicyNames } from "../iam/organization";
import { accountParent, attachedPolicies } from "./aws/organizations";
import { vendorFileById } from "../config/select";
import { AwsCallError, awsCall } from "./aws/errors";
import { ousByName } from "./quarantine";

// Adopting an existing member account (`isolation: account`, `memberAccount` without `create`). The organization
// stack creates an account it makes directly in the Vendors OU, but it cannot move one it only adopts: Pulumi imports
// an account only with its name and email, and an import does not move it in the same `up`. Until the account sits
// in the Vendors OU none of that OU's SCPs (baseline, logging, perimeter) nor the data-perimeter RCP apply to it: its
// roles could read what the lab shares with the organization, leave the organization or stop the trail. So the move
// is a runbook step, run from the management account after the organization stack's `up` and before the vendor
// stack's first one:
//   read     the account's parent and the root's OUs (one round);
//   act      in the Vendors OU: nothing; in the Quarantine OU: nothing either (the vendor is sealed and only
//            `enclave unseal` lets it out); anywhere else: one MoveAccount into the Vendors OU;
//   confirm  the parent read again, the vendor's principals RCP on the account and the Vendors OU's own policies
//            (reported, never attached here: the organization stack owns every attachment).

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).split("\n")[0];

/** Organizations' answers for an account that is not a member of the organization the caller manages. */
const NOT_A_MEMBER = new Set(["ChildNotFoundException", "AccountNotFoundException"]);

function accountFault(account: string, err: unknown): string {
    if (err instanceof AwsCallError && NOT_A_MEMBER.has(err.code))
        return `${account}: not a member of this organization (${err.code}); invite it (organizations:InviteAccountToOrganization), accept the handshake from the account, then rerun`;
    // The generic hint names the enclave's deployer; Organizations answers the management account alone.
    if (err instanceof AwsCallError && err.kind === "access-denied")
        return `${err.resource}: access denied to ${err.action} (${err.code}); run with the management account's credentials (ENCLAVE_ORGANIZATION_PROFILE=<profile>)`;
    return message(err);
}

/** The policies the organization stack attaches to the Vendors OU (iam/organization.ts organizationPolicies). */
const VENDORS_OU_SCPS = [orgPolicyNames.baseline, orgPolicyNames.logging, orgPolicyNames.perimeter];
const VENDORS_OU_RCPS = [orgPolicyNames.dataPerimeter];

export interface AdoptRequest {
    client: OrganizationsClient;
    org: OrganizationSpec;
    spec: VendorSpec;
    out: (line: string) => void;
}

/**
 * Places the vendor's member account in the Vendors OU and confirms it. One line per action and per check; returns the
 * exit code: 0 done (or left in the Quarantine OU), 1 a failed action (a rerun finishes it), 3 a check not confirmed.
 * A missing Vendors or Quarantine OU is one error: the organization stack has not been deployed.
 */
export async function adoptAccount(r: AdoptRequest): Promise<number> {
    const { client, org, spec, out } = r;
    const accountId = spec.account.id;
    const account = `account ${accountId}`;
    const [parent, ous] = await Promise.allSettled([accountParent(client, accountId), ousByName(client, org.rootId)]);
    if (ous.status === "rejected") {
        out(`FAIL ${accountFault(`root ${org.rootId}`, ous.reason)}`);
        if (parent.status === "rejected") out(`FAIL ${accountFault(account, parent.reason)}`);
        return EXIT.failure;
    }
    const need = (name: string) => {
        const id = ous.value.get(name);
        if (!id) throw new CliError(`OU ${name}: not found under ${org.rootId}; deploy the organization stack first (pulumi up -s organization)`);
        return id;
    };
    const vendorsOuId = need(org.vendorsOuName);
    const quarantineOuId = need(org.quarantineOuName);
    if (parent.status === "rejected") {
        out(`FAIL ${accountFault(account, parent.reason)}`);
        return EXIT.failure;
    }

    let failed = false;
    if (parent.value === quarantineOuId) {
        // A sealed vendor: moving it would lift the quarantine. The unseal moves it back into the Vendors OU.
        out(`skip ${account}: in the Quarantine OU (${quarantineOuId}): sealed, left there; \`enclave unseal ${spec.id}\` moves it into the Vendors OU`);
        return EXIT.ok;
    }
    if (parent.value === vendorsOuId) out(`skip ${account}: already placed in the Vendors OU (${vendorsOuId})`);
    else {
        try {
            await awsCall(account, "organizations:MoveAccount", () =>
                client.send(new MoveAccountCommand({ AccountId: accountId, SourceParentId: parent.value, DestinationParentId: vendorsOuId })),
            );
            out(`ok   ${account}: organizations:MoveAccount ${parent.value} -> Vendors OU ${vendorsOuId}`);
        } catch (err) {
            out(`FAIL ${accountFault(account, err)}`);
            failed = true;
        }
    }

    const checks = await placementChecks(client, spec, vendorsOuId);
    for (const c of checks) out(c.ok ? `ok   check: ${c.check} (${c.detail})` : `FAIL check: not confirmed: ${c.check} (${c.detail})`);
    if (failed) return EXIT.failure;
    return checks.every((c) => c.ok) ? EXIT.ok : EXIT.finding;
}

export interface PlacementCheck {
    check: string;
    ok: boolean;
    detail: string;
}

/**
 * What an unsealed account-mode vendor's account must have from the organization: its parent is the Vendors OU, the
 * vendor's principals RCP is on it, and the Vendors OU carries its SCPs and the data-perimeter RCP. Reads only; a read
 * that fails is a check not confirmed, with the reason.
 */
export async function placementChecks(client: OrganizationsClient, spec: VendorSpec, vendorsOuId: string): Promise<PlacementCheck[]> {
    const accountId = spec.account.id;
    const principals = orgPolicyNames.vendorPrincipals(spec.id);
    const attempt = async (check: string, run: () => Promise<[boolean, string]>): Promise<PlacementCheck> => {
        try {
            const [ok, detail] = await run();
            return { check, ok, detail };
        } catch (err) {
            return { check, ok: false, detail: accountFault(`account ${accountId}`, err) };
        }
    };
    const missing = (have: string[], want: string[]) => want.filter((n) => !have.includes(n));
    return Promise.all([
        attempt(`account ${accountId} is in the Vendors OU`, async () => {
            const parent = await accountParent(client, accountId);
            return [parent === vendorsOuId, `parent ${parent}`];
        }),
        attempt(`policy ${principals} is attached to account ${accountId}`, async () => {
            const names = (await attachedPolicies(client, accountId, "RESOURCE_CONTROL_POLICY")).map((p) => p.name);
            return [
                names.includes(principals),
                `attached: ${names.join(", ") || "none"}${names.includes(principals) ? "" : "; deploy the organization stack"}`,
            ];
        }),
        attempt(`the Vendors OU ${vendorsOuId} carries ${[...VENDORS_OU_SCPS, ...VENDORS_OU_RCPS].join(", ")}`, async () => {
            const [scps, rcps] = await Promise.all([
                attachedPolicies(client, vendorsOuId, "SERVICE_CONTROL_POLICY"),
                attachedPolicies(client, vendorsOuId, "RESOURCE_CONTROL_POLICY"),
            ]);
            const absent = [
                ...missing(
                    scps.map((p) => p.name),
                    VENDORS_OU_SCPS,
                ),
                ...missing(
                    rcps.map((p) => p.name),
                    VENDORS_OU_RCPS,
                ),
            ];
            return [absent.length === 0, absent.length ? `missing: ${absent.join(", ")}; deploy the organization stack` : "all attached"];
        }),
    ]);
}

export interface AdoptCommandDeps {
    stacksDir: string;
    /** The management account's Organizations client, made only once the vendor is known to be in account mode. */
    organizations: () => Promise<OrganizationsClient>;
    out: (line: string) => void;
}

/** `enclave adopt <vendor>`: the vendor's spec and stacks/organization.yaml, then adoptAccount. Returns the exit code. */
export async function adoptCommand(vendor: string, deps: AdoptCommandDeps): Promise<number> {
    const file = vendorFileById(vendor, deps.stacksDir, "adopt places vendor member accounts only");
    const spec = loadVendorSpec(file, vendor);
    if (spec.isolation !== "account")
        throw new CliError(
            `${file}: ${vendor} is a shared-account enclave (isolation: ${spec.isolation}); only an account-mode vendor has a member account to adopt`,
            EXIT.invalidInput,
        );
    const org = loadOrganizationSpec(organizationSpecPath(deps.stacksDir));
    const client = await deps.organizations();
    try {
        return await adoptAccount({ client, org, spec, out: deps.out });
    } finally {
        client.destroy();
    }
}
