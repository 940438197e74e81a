import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CliError } from "../contract/errors";
import type { AwsReads, CallerIdentity, DnsFirewallRuleGroup, EvidenceArchive, InterfaceEndpoint, KeyState, PolicyJson, RolePolicies, TaggedResource } from "./types";
import { parsePolicyDocument } from "../iam/document";

// The real AwsReads and EvidenceArchive: the `aws` CLI (v1 or v2), because the AWS SDK is not a dependency of this
// project. Credentials come from the usual chain (AWS_PROFILE, environment, SSO); run as the deployer role. Missing
// CLI or credentials fail with one line.

class AwsCallError extends Error {
    constructor(
        readonly code: string,
        message: string,
    ) {
        super(message);
    }
}

export class AwsCli implements AwsReads, EvidenceArchive {
    constructor(
        private readonly region: string,
        private readonly bin = "aws",
    ) {}

    private call(args: string[]): Promise<unknown> {
        return new Promise((resolve, reject) => {
            execFile(this.bin, [...args, "--region", this.region, "--output", "json"], { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
                if (err) {
                    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
                        return reject(new CliError("the aws CLI is not installed (the runbook verifies the seal and the teardown with it); install it from https://aws.amazon.com/cli/"));
                    }
                    const text = String(stderr).trim();
                    if (/Unable to locate credentials|ExpiredToken|InvalidClientTokenId|could not be found.*profile/i.test(text)) {
                        return reject(new CliError(`no usable AWS credentials for the aws CLI (${text.split("\n")[0]}): sign in as the deployer role`));
                    }
                    const code = /\(([A-Za-z.]+)\)/.exec(text)?.[1] ?? "Unknown";
                    return reject(new AwsCallError(code, `aws ${args.slice(0, 2).join(" ")}: ${text.split("\n").pop()}`));
                }
                const out = String(stdout).trim();
                resolve(out ? JSON.parse(out) : {});
            });
        });
    }

    private async orNull<T>(p: Promise<T>, codes: string[]): Promise<T | null> {
        try {
            return await p;
        } catch (err) {
            if (err instanceof AwsCallError && codes.includes(err.code)) return null;
            throw err;
        }
    }

    async callerIdentity(): Promise<CallerIdentity> {
        const r = (await this.call(["sts", "get-caller-identity"])) as { Account: string; Arn: string };
        return { account: r.Account, arn: r.Arn };
    }

    async rolePolicies(roleName: string): Promise<RolePolicies> {
        const role = (await this.orNull(this.call(["iam", "get-role", "--role-name", roleName]), ["NoSuchEntity"])) as { Role: { AssumeRolePolicyDocument: unknown } } | null;
        if (!role) return { inline: null, trust: null };
        const names = ((await this.call(["iam", "list-role-policies", "--role-name", roleName])) as { PolicyNames: string[] }).PolicyNames;
        const inline: Record<string, PolicyJson> = {};
        for (const n of names) {
            const r = (await this.call(["iam", "get-role-policy", "--role-name", roleName, "--policy-name", n])) as { PolicyDocument: unknown };
            inline[n] = parsePolicy(r.PolicyDocument);
        }
        return { inline, trust: parsePolicy(role.Role.AssumeRolePolicyDocument) };
    }

    async keyState(keyId: string): Promise<KeyState> {
        const r = (await this.orNull(this.call(["kms", "describe-key", "--key-id", keyId]), ["NotFoundException"])) as { KeyMetadata: { KeyState: KeyState } } | null;
        return r ? r.KeyMetadata.KeyState : "NotFound";
    }

    async keyPolicy(keyId: string): Promise<PolicyJson | null> {
        const r = (await this.orNull(this.call(["kms", "get-key-policy", "--key-id", keyId, "--policy-name", "default"]), ["NotFoundException"])) as { Policy: string } | null;
        return r ? parsePolicy(r.Policy) : null;
    }

    async bucketPolicy(bucket: string): Promise<PolicyJson | null> {
        const r = (await this.orNull(this.call(["s3api", "get-bucket-policy", "--bucket", bucket]), ["NoSuchBucketPolicy", "NoSuchBucket"])) as { Policy: string } | null;
        return r ? parsePolicy(r.Policy) : null;
    }

    async endpointPolicy(id: string): Promise<PolicyJson | null> {
        const r = (await this.orNull(this.call(["ec2", "describe-vpc-endpoints", "--vpc-endpoint-ids", id]), ["InvalidVpcEndpointId.NotFound"])) as {
            VpcEndpoints: { PolicyDocument?: string; State?: string }[];
        } | null;
        const ep = r?.VpcEndpoints?.[0];
        return ep && ep.State !== "deleted" && ep.PolicyDocument ? parsePolicy(ep.PolicyDocument) : null;
    }

    async interfaceEndpoints(vpcId: string): Promise<InterfaceEndpoint[]> {
        // By VPC rather than by id: an endpoint added outside the stack is a path too, and the stack outputs have no
        // interface endpoint ids (the CLI pages through the results).
        const r = (await this.call(["ec2", "describe-vpc-endpoints", "--filters", `Name=vpc-id,Values=${vpcId}`, "Name=vpc-endpoint-type,Values=Interface"])) as {
            VpcEndpoints?: { VpcEndpointId: string; ServiceName: string; PolicyDocument?: string; State?: string }[];
        };
        const prefix = `com.amazonaws.${this.region}.`;
        return (r.VpcEndpoints ?? [])
            .filter((ep) => ep.State?.toLowerCase() !== "deleted")
            .map((ep) => ({
                id: ep.VpcEndpointId,
                service: ep.ServiceName.startsWith(prefix) ? ep.ServiceName.slice(prefix.length) : ep.ServiceName,
                policy: ep.PolicyDocument ? parsePolicy(ep.PolicyDocument) : null,
            }));
    }

    async dnsFirewallRuleGroups(vpcId: string): Promise<DnsFirewallRuleGroup[]> {
        // By VPC, as for the interface endpoints: a rule group associated outside the stack answers the VPC's queries
        // too (the CLI pages through both lists).
        const r = (await this.call(["route53resolver", "list-firewall-rule-group-associations", "--vpc-id", vpcId])) as {
            FirewallRuleGroupAssociations?: { FirewallRuleGroupId: string }[];
        };
        const groups: DnsFirewallRuleGroup[] = [];
        for (const a of r.FirewallRuleGroupAssociations ?? []) {
            // A rule group can only be deleted once disassociated: gone since the first call, it no longer filters this VPC.
            const rules = (await this.orNull(this.call(["route53resolver", "list-firewall-rules", "--firewall-rule-group-id", a.FirewallRuleGroupId]), ["ResourceNotFoundException"])) as {
                FirewallRules?: { Name: string; Action: string }[];
            } | null;
            if (rules) groups.push({ id: a.FirewallRuleGroupId, rules: (rules.FirewallRules ?? []).map((rule) => ({ name: rule.Name, action: rule.Action })) });
        }
        return groups;
    }

    async taggedResources(key: string, value: string): Promise<TaggedResource[]> {
        const r = (await this.call(["resourcegroupstaggingapi", "get-resources", "--tag-filters", `Key=${key},Values=${value}`])) as {
            ResourceTagMappingList: { ResourceARN: string }[];
        };
        return r.ResourceTagMappingList.map((m) => ({ arn: m.ResourceARN }));
    }

    async put(bucket: string, key: string, body: string): Promise<void> {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "enclave-evidence-"));
        const file = path.join(dir, "body.json");
        try {
            fs.writeFileSync(file, body);
            await this.call(["s3api", "put-object", "--bucket", bucket, "--key", key, "--body", file, "--content-type", "application/json"]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }
}

/** IAM returns documents URL-encoded in its API; the CLI decodes them, but accept both. */
function parsePolicy(doc: unknown): PolicyJson {
    const text = typeof doc === "string" && !doc.trim().startsWith("{") ? decodeURIComponent(doc) : doc;
    const parsed = parsePolicyDocument(text);
    if (!parsed) throw new CliError(`AWS returned a policy that is not a policy document: ${String(text).slice(0, 80)}`);
    return parsed;
}
