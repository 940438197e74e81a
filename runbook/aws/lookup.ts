import { TAG } from "../../contract/tags";
import type { VendorSpec } from "../../config/schema";
import { bucketName, vendorNames } from "../../iam/names";
import { targetsFor, type EnclaveTargets } from "../verify";
import type { AwsClients } from "./clients";
import { listRules, ruleGroupsByName } from "./dns";
import { vpcEndpoints, vpcsByTags } from "./ec2";
import { AwsCallError } from "./errors";
import { roleArnByName } from "./iam";
import { describeKey } from "./kms";
import { bucketTags } from "./s3";
import { taggedResources, type TaggedResourceWithTags } from "./tagging";

// Finding an enclave's resources without the Pulumi state (lost, or the stack renamed): first by the names the
// project derives from the vendor id (iam/names.ts), then, for what the names miss (renamed by hand, recreated with a
// suffix), by the `enclave:vendor` tag through the Resource Groups Tagging API. Each resource gets its own result:
// one that cannot be found, or cannot be read, never hides the others.

export type LookupKind = "role" | "key" | "bucket" | "vpc" | "s3-endpoint" | "dns-rule-group" | "dns-rule";

export interface LookupResult {
    kind: LookupKind;
    /** The deterministic name (or, for the key, its alias) the lookup started from. */
    name: string;
    ok: boolean;
    /** How it was found. */
    via?: "name" | "tag";
    /** The resource's id where AWS has one apart from its name (key id, vpc-, vpce-, rslvr-frg-). */
    id?: string;
    arn?: string;
    /** Rules only: the rule's action. */
    detail?: string;
    error?: string;
}

export interface EnclaveLookup {
    vendorId: string;
    results: LookupResult[];
}

const arnKind = (arn: string): string => {
    const parts = arn.split(":");
    const service = parts[2] ?? "";
    const rest = parts.slice(5).join(":");
    const type = rest.includes("/") ? rest.split("/")[0] : service === "s3" ? "bucket" : rest;
    return `${service}:${type}`;
};
const arnTail = (arn: string) => arn.slice((arn.includes("/") ? arn.lastIndexOf("/") : arn.lastIndexOf(":")) + 1);

export async function lookupEnclave(clients: AwsClients, spec: VendorSpec): Promise<EnclaveLookup> {
    const vendor = spec.id;
    const names = vendorNames(vendor);
    const account = spec.account.id;

    // The tag scan runs at most once, and only if a name lookup comes back empty.
    let tagged: Promise<TaggedResourceWithTags[]> | undefined;
    const byTag = () => (tagged ??= taggedResources(clients.tagging, TAG.vendor, vendor));

    const failed = (kind: LookupKind, name: string, err: unknown): LookupResult => ({
        kind,
        name,
        ok: false,
        error: err instanceof Error ? err.message.split("\n")[0] : String(err),
    });

    /** Name lookup first; when it finds nothing, the tagged resources of `arnType` that `match` picks. */
    async function find(
        kind: LookupKind,
        name: string,
        arnType: string,
        byName: () => Promise<Omit<LookupResult, "kind" | "name" | "ok" | "via"> | null>,
        match: (r: TaggedResourceWithTags) => boolean = () => true,
    ): Promise<LookupResult> {
        let nameError: string | undefined;
        try {
            const hit = await byName();
            if (hit) return { kind, name, ok: true, via: "name", ...hit };
        } catch (err) {
            // Access denied on the name lookup: the tag scan may still find it, but the error is kept.
            nameError = err instanceof Error ? err.message.split("\n")[0] : String(err);
        }
        try {
            const hits = (await byTag()).filter((r) => arnKind(r.arn) === arnType && match(r));
            if (hits.length === 1)
                return { kind, name, ok: true, via: "tag", id: arnTail(hits[0].arn), arn: hits[0].arn, ...(nameError ? { error: nameError } : {}) };
            if (hits.length > 1)
                return {
                    kind,
                    name,
                    ok: false,
                    error: `${kind} ${name}: not found by name; ${hits.length} resources tagged ${TAG.vendor}=${vendor} could be it (${hits.map((h) => h.arn).join(", ")})`,
                };
            return { kind, name, ok: false, error: nameError ?? `${kind} ${name}: not found by name, nor by tag ${TAG.vendor}=${vendor}` };
        } catch (err) {
            return failed(kind, name, nameError ? `${nameError}; ${err instanceof Error ? err.message : String(err)}` : err);
        }
    }

    const roles = [names.vendorRole, names.workloadRole].map((role) =>
        find(
            "role",
            role,
            "iam:role",
            async () => {
                const arn = await roleArnByName(clients.iam, role);
                return arn ? { arn } : null;
            },
            // Renamed, a role keeps its tags; which of the two it is shows in what is left of its name.
            (r) => arnTail(r.arn).endsWith(role.slice(role.lastIndexOf("-"))),
        ),
    );
    const key = find("key", names.keyAlias, "kms:key", async () => {
        const k = await describeKey(clients.kms, names.keyAlias);
        return k ? { id: k.keyId, arn: k.arn, detail: k.state } : null;
    });
    const buckets = spec.datasets.map((d) => {
        const name = bucketName(vendor, d.name, account);
        return find(
            "bucket",
            name,
            "s3:bucket",
            async () => {
                const tags = await bucketTags(clients.s3, name);
                if (!tags) return null;
                // Bucket names are global: one with this name in another account, or untagged, is not the enclave's.
                if (tags[TAG.vendor] !== vendor)
                    throw new AwsCallError(
                        `bucket ${name}`,
                        "s3:GetBucketTagging",
                        "TagMismatch",
                        "other",
                        `bucket ${name}: exists but is not tagged ${TAG.vendor}=${vendor}`,
                    );
                return { arn: `arn:aws:s3:::${name}` };
            },
            (r) => r.tags[TAG.dataset] === d.name,
        );
    });
    const vpc = find("vpc", `enclave-${vendor}-vpc`, "ec2:vpc", async () => {
        const ids = await vpcsByTags(clients.ec2, { Name: `enclave-${vendor}-vpc`, [TAG.vendor]: vendor });
        if (ids.length > 1)
            throw new AwsCallError(
                `vpc enclave-${vendor}-vpc`,
                "ec2:DescribeVpcs",
                "Ambiguous",
                "other",
                `vpc enclave-${vendor}-vpc: ${ids.length} VPCs carry this name (${ids.join(", ")})`,
            );
        return ids.length ? { id: ids[0] } : null;
    });
    const dnsGroup = find("dns-rule-group", names.dnsRuleGroup, "route53resolver:firewall-rule-group", async () => {
        const groups = await ruleGroupsByName(clients.resolver, names.dnsRuleGroup);
        if (groups.length > 1)
            throw new AwsCallError(
                `dns-rule-group ${names.dnsRuleGroup}`,
                "route53resolver:ListFirewallRuleGroups",
                "Ambiguous",
                "other",
                `dns-rule-group ${names.dnsRuleGroup}: ${groups.length} rule groups carry this name`,
            );
        return groups.length ? { id: groups[0].id, arn: groups[0].arn } : null;
    });

    // What hangs off the VPC and the rule group waits for them; the rest runs in parallel.
    const s3Endpoint = vpc.then(async (v): Promise<LookupResult[]> => {
        const name = `enclave-${vendor}-s3`;
        if (!v.ok || !v.id) return [{ kind: "s3-endpoint", name, ok: false, error: `s3-endpoint ${name}: not looked up (the VPC was not found)` }];
        try {
            const eps = (await vpcEndpoints(clients.ec2, clients.region, v.id)).filter((e) => e.service === "s3" && e.type.toLowerCase() === "gateway");
            if (eps.length === 1) return [{ kind: "s3-endpoint", name, ok: true, via: "name", id: eps[0].id }];
            return [{ kind: "s3-endpoint", name, ok: false, error: `s3-endpoint ${name}: ${eps.length} S3 gateway endpoints in ${v.id} (expected 1)` }];
        } catch (err) {
            return [failed("s3-endpoint", name, err)];
        }
    });
    const dnsRules = dnsGroup.then(async (g): Promise<LookupResult[]> => {
        const ruleNames = [names.dnsAllowRule, names.dnsBlockRule];
        if (!g.ok || !g.id)
            return ruleNames.map((name) => ({
                kind: "dns-rule" as const,
                name,
                ok: false,
                error: `dns-rule ${name}: not looked up (the rule group was not found)`,
            }));
        try {
            const rules = (await listRules(clients.resolver, g.id)) ?? [];
            return ruleNames.map((name) => {
                const r = rules.find((x) => x.Name === name);
                return r
                    ? { kind: "dns-rule" as const, name, ok: true, via: "name" as const, id: g.id, detail: String(r.Action ?? "") }
                    : { kind: "dns-rule" as const, name, ok: false, error: `dns-rule ${name}: not in rule group ${g.id}` };
            });
        } catch (err) {
            return ruleNames.map((name) => failed("dns-rule", name, err));
        }
    });

    const results = [...(await Promise.all([...roles, key, ...buckets, vpc])), ...(await s3Endpoint), ...[await dnsGroup], ...(await dnsRules)];
    return { vendorId: vendor, results };
}

/** One line per resource, for the terminal and the incident log. */
export function lookupLines(l: EnclaveLookup): string[] {
    return l.results.map((r) => {
        const what = `${r.kind} ${r.name}`;
        if (!r.ok) return `${what}: ${r.error ?? "not found"}`.replace(`${what}: ${what}: `, `${what}: `);
        const where = [r.id, r.arn && r.arn !== r.id ? r.arn : undefined, r.detail].filter(Boolean).join(", ");
        const how = r.via === "tag" ? `found by tag ${TAG.vendor} only (its name differs from the derived one)` : "found by name";
        return `${what}: ${how}${where ? ` (${where})` : ""}${r.error ? `; name lookup failed: ${r.error}` : ""}`;
    });
}

/** The verify targets from a lookup, for verifying a seal when the stack outputs are gone. */
export function targetsFromLookup(spec: VendorSpec, l: EnclaveLookup): EnclaveTargets {
    const one = (kind: LookupKind) => l.results.find((r) => r.kind === kind && r.ok);
    const key = one("key");
    // The builder inputs (and so what verify expects) come from the spec and the found ids, as from stack outputs.
    const found = (value: string | undefined) => ({ value, secret: false });
    const base = targetsFor(spec, { keyArn: found(key?.arn || key?.id), s3EndpointId: found(one("s3-endpoint")?.id), vpcId: found(one("vpc")?.id) });
    return {
        ...base,
        roles: l.results.filter((r) => r.kind === "role").map((r) => (r.ok && r.arn ? arnTail(r.arn) : r.name)),
        buckets: l.results.filter((r) => r.kind === "bucket").map((r) => (r.ok && r.arn ? r.arn.slice("arn:aws:s3:::".length) : r.name)),
    };
}
