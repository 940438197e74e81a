import type { OrganizationsClient, PolicyType } from "@aws-sdk/client-organizations";
import { organizationSpecPath, loadOrganizationSpec } from "../config/load";
import type { OrganizationSpec, VendorSpec } from "../config/schema";
import { CliError, describeFailure, EXIT } from "../contract/errors";
import { orgPolicyNames } from "../iam/organization";
import type { ActionResult } from "./aws/containment";
import { awsCall, errorName } from "./aws/errors";
import type { AccountDisposal, QuarantineTarget } from "./aws/organizations";

// The Organizations SDK loads only for account-mode vendors: every other runbook command starts without it.
const sdk = () => import("@aws-sdk/client-organizations");
const orgs = () => import("./aws/organizations.js");
import type { ContainResult } from "./contain";
import type { Ctx, Step } from "./engine";

// The organization side of the runbook for account-mode vendors (`isolation: account`), run with the Organizations
// client of the management account (or the delegated administrator), apart from the member-account clients the
// in-account steps use:
//   seal     contain: the quarantine in the same first round as the in-account writes (one round of reads, then the
//            move into the Quarantine OU, the vendor's quarantine RCP on its account and the quarantine SCP on the
//            Quarantine OU, all at once); verify-contain: the account's parent and the policies attached.
//   unseal   the quarantine lifted first (RCP detached, account back in the Vendors OU), then the Pulumi unseal.
//   destroy  after the evidence is archived, the account is closed (90-day post-closure window) or parked.
// Shared-account vendors: every function here is a no-op.

export const isAccountMode = (spec: VendorSpec) => spec.isolation === "account";

/** The organization facts the quarantine needs (stacks/organization.yaml) and the client to act with. */
export interface OrganizationAccess {
    client: OrganizationsClient;
    org: OrganizationSpec;
}

/** stacks/organization.yaml beside the vendor specs, with the client; a clear line when either is missing. */
export function organizationAccess(ctx: Ctx): OrganizationAccess {
    const client = ctx.deps.organizations;
    if (!client)
        throw new CliError(
            `${ctx.vendor} is an account-mode enclave: the quarantine needs an AWS Organizations client of the management account (set ENCLAVE_ORGANIZATION_PROFILE to its profile)`,
        );
    return { client, org: loadOrganizationSpec(organizationSpecPath(ctx.deps.stacksDir)) };
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).split("\n")[0];

/** The root's OUs by name (one read). */
export async function ousByName(client: OrganizationsClient, rootId: string): Promise<Map<string, string>> {
    return awsCall(`root ${rootId}`, "organizations:ListOrganizationalUnitsForParent", async () => {
        const out = new Map<string, string>();
        const { paginateListOrganizationalUnitsForParent } = await sdk();
        for await (const page of paginateListOrganizationalUnitsForParent({ client }, { ParentId: rootId }))
            for (const ou of page.OrganizationalUnits ?? []) if (ou.Name && ou.Id) out.set(ou.Name, ou.Id);
        return out;
    });
}

async function policiesByName(client: OrganizationsClient, type: PolicyType): Promise<Map<string, string>> {
    return awsCall(`policies ${type}`, "organizations:ListPolicies", async () => {
        const out = new Map<string, string>();
        const { paginateListPolicies } = await sdk();
        for await (const page of paginateListPolicies({ client }, { Filter: type }))
            for (const p of page.Policies ?? []) if (p.Name && p.Id) out.set(p.Name, p.Id);
        return out;
    });
}

const settle = async <T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> =>
    p.then(
        (value) => ({ ok: true as const, value }),
        (err: unknown) => ({ ok: false as const, error: message(err) }),
    );

/** An OU id by name, or the reason it is unknown. */
function ouId(ous: Awaited<ReturnType<typeof settle<Map<string, string>>>>, name: string, rootId: string): { id?: string; error?: string } {
    if (!ous.ok) return { error: ous.error };
    const id = ous.value.get(name);
    return id ? { id } : { error: `OU ${name}: not found under ${rootId}; deploy the organization stack` };
}

/**
 * Contain at the organization level, in two rounds whatever happens: one round of reads (the account's parent, the
 * root's OUs, the SCP and RCP names), then every write at once: the move into the Quarantine OU (the one call that
 * quarantines: from then on the quarantine SCP applies to every principal in the account but break-glass), the
 * vendor's quarantine RCP attached to its account and the quarantine SCP (re)attached to the Quarantine OU. An attach
 * that is already in place is reported skipped; a failing write stops none of the others.
 */
export async function organizationContain(a: OrganizationAccess, spec: VendorSpec): Promise<ActionResult[]> {
    const { client, org } = a;
    const accountId = spec.account.id;
    const account = `account ${accountId}`;
    const rcpName = orgPolicyNames.vendorQuarantine(spec.id);
    const scpName = orgPolicyNames.quarantine;
    const { AttachPolicyCommand, MoveAccountCommand } = await sdk();
    const { accountParent } = await orgs();
    const [parent, ous, scps, rcps] = await Promise.all([
        settle(accountParent(client, accountId)),
        settle(ousByName(client, org.rootId)),
        settle(policiesByName(client, "SERVICE_CONTROL_POLICY")),
        settle(policiesByName(client, "RESOURCE_CONTROL_POLICY")),
    ]);
    const quarantine = ouId(ous, org.quarantineOuName, org.rootId);

    const move = async (): Promise<ActionResult> => {
        const action = "organizations:MoveAccount into the Quarantine OU";
        if (!parent.ok) return { resource: account, action, ok: false, error: `${account}: ${parent.error}` };
        if (!quarantine.id) return { resource: account, action, ok: false, error: `${account}: not moved: ${quarantine.error}` };
        if (parent.value === quarantine.id) return { resource: account, action, ok: true, skipped: true, id: parent.value };
        try {
            await awsCall(account, "organizations:MoveAccount", () =>
                client.send(new MoveAccountCommand({ AccountId: accountId, SourceParentId: parent.value, DestinationParentId: quarantine.id })),
            );
            return { resource: account, action: `organizations:MoveAccount ${parent.value} -> Quarantine OU ${quarantine.id}`, ok: true, id: quarantine.id };
        } catch (err) {
            return { resource: account, action, ok: false, error: message(err) };
        }
    };
    const attach = async (
        name: string,
        ids: typeof scps,
        targetId: string | undefined,
        targetWhy: string | undefined,
        target: string,
    ): Promise<ActionResult> => {
        const resource = `policy ${name}`;
        const action = `organizations:AttachPolicy to ${target}`;
        if (!ids.ok) return { resource, action, ok: false, error: `${resource}: ${ids.error}` };
        const id = ids.value.get(name);
        if (!id)
            return {
                resource,
                action,
                ok: false,
                error: `${resource}: not found; deploy the organization stack (it prepares every account-mode vendor's quarantine policy)`,
            };
        if (!targetId) return { resource, action, ok: false, error: `${resource}: not attached: ${targetWhy}` };
        try {
            await client.send(new AttachPolicyCommand({ PolicyId: id, TargetId: targetId }));
            return { resource, action, ok: true, id };
        } catch (err) {
            // Already attached: the state contain wants (a rerun, or the organization stack's own attachment).
            if (errorName(err) === "DuplicatePolicyAttachmentException") return { resource, action, ok: true, skipped: true, id };
            return { resource, action, ok: false, error: `${resource}: ${message(err)}` };
        }
    };
    return Promise.all([
        move(),
        attach(rcpName, rcps, accountId, undefined, account),
        attach(scpName, scps, quarantine.id, quarantine.error, `the Quarantine OU (${org.quarantineOuName})`),
    ]);
}

const QUARANTINE_IDS = ["quarantine:move", "quarantine:rcp", "quarantine:scp"];

/**
 * The seal's contain step calls this beside the in-account writes (the same first round): nothing for a shared-account
 * vendor; for an account-mode vendor, organizationContain's three writes as contain result lines.
 */
export async function accountQuarantine(ctx: Ctx, spec: VendorSpec): Promise<ContainResult[]> {
    if (!isAccountMode(spec)) return [];
    let a: OrganizationAccess;
    try {
        a = organizationAccess(ctx);
    } catch (err) {
        const error = describeFailure(err).message;
        return [
            {
                id: QUARANTINE_IDS[0],
                kind: "quarantine",
                resource: `account ${spec.account.id}`,
                action: "organizations:MoveAccount into the Quarantine OU",
                ok: false,
                error,
            },
        ];
    }
    const results = await organizationContain(a, spec);
    return results.map((r, i) => ({
        id: QUARANTINE_IDS[i],
        kind: "quarantine",
        resource: r.resource,
        // "skip" in contain's lines means applied earlier in this run; here it means AWS already had it.
        action: r.skipped ? `${r.action} (already in place)` : r.action,
        ok: r.ok,
        ...(r.error ? { error: r.error } : {}),
    }));
}

/** verify-contain's account-mode findings (none for a shared-account vendor). */
export async function accountQuarantineFindings(ctx: Ctx): Promise<string[]> {
    const spec = ctx.spec();
    if (!isAccountMode(spec)) return [];
    return organizationFindings(organizationAccess(ctx), spec);
}

/** The quarantine target for verify, release and retire: the OU ids read by name under the root. */
async function targetOf(a: OrganizationAccess, spec: VendorSpec): Promise<QuarantineTarget & { vendorsOuId: string }> {
    const ous = await ousByName(a.client, a.org.rootId);
    const need = (name: string) => {
        const id = ous.get(name);
        if (!id) throw new CliError(`OU ${name}: not found under ${a.org.rootId}; deploy the organization stack`);
        return id;
    };
    return {
        client: a.client,
        accountId: spec.account.id,
        quarantineOuId: need(a.org.quarantineOuName),
        vendorsOuId: need(a.org.vendorsOuName),
        quarantineRcpName: orgPolicyNames.vendorQuarantine(spec.id),
        quarantineScpName: orgPolicyNames.quarantine,
    };
}

/** What verify-contain adds in account mode: each quarantine check that AWS does not confirm, as one finding. */
export async function organizationFindings(a: OrganizationAccess, spec: VendorSpec): Promise<string[]> {
    try {
        const checks = await (await orgs()).verifyQuarantine(await targetOf(a, spec));
        return checks.filter((c) => !c.ok).map((c) => `account ${spec.account.id}: not confirmed: ${c.check} (${c.detail})`);
    } catch (err) {
        return [`account ${spec.account.id}: quarantine not readable: ${describeFailure(err).message}`];
    }
}

const report = (ctx: Ctx, results: ActionResult[]) => {
    for (const r of results)
        ctx.deps.out(r.ok ? `  ${r.skipped ? "skip" : "ok  "} ${r.resource}: ${r.action}` : `  FAIL ${r.error ?? `${r.resource}: ${r.action}`}`);
    const failed = results.filter((r) => !r.ok);
    return { failed, applied: results.filter((r) => r.ok && !r.skipped).length };
};

/** Unseal, account mode: the quarantine lifted before the Pulumi unseal (nothing but break-glass acts in quarantine). */
export const organizationRelease: Step = {
    name: "release-quarantine",
    destructive: true,
    async run(ctx) {
        const spec = ctx.spec();
        if (!isAccountMode(spec)) return { skipped: "shared-account" };
        const a = organizationAccess(ctx);
        const t = await targetOf(a, spec);
        const results = await (await orgs()).releaseAccount(t);
        const { failed, applied } = report(ctx, results);
        if (failed.length)
            throw new CliError(
                `unseal ${ctx.vendor}: the quarantine was not lifted (${failed.map((r) => r.error).join("; ")}); rerun \`enclave unseal ${ctx.vendor}\``,
            );
        // Read back: an unsealed account outside the Vendors OU has none of that OU's SCPs nor the data-perimeter RCP.
        const parent = await (await orgs()).accountParent(a.client, spec.account.id);
        if (parent !== t.vendorsOuId)
            throw new CliError(
                `unseal ${ctx.vendor}: not confirmed: account ${spec.account.id} is in ${parent}, not the Vendors OU ${t.vendorsOuId}; rerun \`enclave unseal ${ctx.vendor}\``,
                EXIT.finding,
            );
        return { applied, account: spec.account.id };
    },
};

/**
 * Destroy, account mode, after the evidence is archived: the member account closed (the default; AWS suspends it for
 * 90 days, reopenable through support) or parked in the Quarantine OU (`--park`). Refused without evidence or outside
 * the Quarantine OU (runbook/aws/organizations.ts retireAccount).
 */
export const retireMemberAccount = (disposal: AccountDisposal): Step => ({
    name: "retire-account",
    destructive: true,
    async run(ctx) {
        const spec = ctx.spec();
        if (!isAccountMode(spec)) return { skipped: "shared-account" };
        const evidence = ctx.data["archive-evidence"] as { bucket?: string; prefix?: string } | undefined;
        const a = organizationAccess(ctx);
        const t = await targetOf(a, spec);
        const where = evidence?.bucket && evidence.prefix ? `s3://${evidence.bucket}/${evidence.prefix}` : undefined;
        const results = await (
            await orgs()
        ).retireAccount({ client: a.client, accountId: spec.account.id, quarantineOuId: t.quarantineOuId, disposal, evidence: where });
        const { failed } = report(ctx, results);
        if (failed.length)
            throw new CliError(
                `destroy ${ctx.vendor}: account ${spec.account.id} not ${disposal === "close" ? "closed" : "parked"} (${failed.map((r) => r.error).join("; ")})`,
            );
        return { account: spec.account.id, disposal, evidence: where };
    },
});
