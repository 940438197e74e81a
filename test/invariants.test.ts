import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { alarmFilters } from "../iam/archive";
import type { PolicyDocument, Statement } from "../iam/document";
import { mockSecurityOutputs, planVendor } from "../plan/stacks";
import type { Plan, PlanResource } from "../plan/types";
import type { SecuritySpec, VendorSpec } from "../config/schema";
import { ACME, EVALCORP, fixturePlan, SEALED_AT, sealedFixturePlan, securityFixture, securityFixturePlan, vendorFixture } from "./support/fixtures";

// The security invariants (docs/invariants.md, rules 1-37, numbered as the guardrail rule IDs Invariant-N, where they apply to
// what the program registers), asserted on the mock-runtime plans of both fixture vendors and the security stack.
// What this cannot prove: that AWS accepts these inputs, that the real provider computes the same ids and ARNs as the
// mocks, that IAM evaluates the documents as intended (see policies.test.ts), or anything about resources created
// outside this program. A rule that holds here holds for these inputs, not for every spec.

const ROOT = path.join(__dirname, "..");

let securitySpec: SecuritySpec;
const specs: Record<string, VendorSpec> = {};
const plans: Record<string, Plan> = {};
let security: Plan;
let reordered: Plan;
let sealed: Plan;

beforeAll(async () => {
    securitySpec = securityFixture();
    for (const id of [ACME, EVALCORP]) {
        specs[id] = vendorFixture(id);
        plans[id] = await fixturePlan(id);
    }
    security = await securityFixturePlan();
    const acme = specs[ACME];
    reordered = await planVendor({ ...acme, datasets: [...acme.datasets].reverse() }, securitySpec);
    sealed = await sealedFixturePlan(EVALCORP);
});

const vendorIds = () => Object.keys(plans);
const ofType = (plan: Plan, type: string) => plan.resources.filter((r) => r.type === type);
const one = (plan: Plan, type: string, nameEnd: string) => {
    const found = ofType(plan, type).filter((r) => r.name.endsWith(nameEnd));
    expect(found, `${type} ...${nameEnd}`).toHaveLength(1);
    return found[0];
};
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const str = (v: unknown) => v as string;
function doc(r: PlanResource, field = "policy"): PolicyDocument {
    const text = r.inputs[field];
    expect(typeof text, `${r.name}.${field}`).toBe("string");
    const parsed = JSON.parse(text as string) as PolicyDocument;
    expect(parsed.Version).toBe("2012-10-17");
    return parsed;
}
const sid = (d: PolicyDocument, name: string) => {
    const s = d.Statement.find((x) => x.Sid === name);
    expect(s, name).toBeDefined();
    return s as Statement;
};
/** The bucket side resource of `type` that belongs to bucket resource `b` (same physical bucket). */
const sideOf = (plan: Plan, type: string, b: PlanResource) => plan.resources.filter((r) => r.type === type && r.inputs.bucket === b.inputs.bucket);
const allPlans = () => [...Object.values(plans), security];
const dataBuckets = (id: string) => ofType(plans[id], "aws:s3/bucket:Bucket");
const keyOf = (id: string) => one(plans[id], "aws:kms/key:Key", "-key-key");

// Taggability by type. Cross-checked against the installed @pulumi/aws below, so a provider upgrade that adds tags
// to a type fails this test until the list (and the component) is updated.
const TAGGABLE = new Set([
    "aws:s3/bucket:Bucket",
    "aws:kms/key:Key",
    "aws:iam/role:Role",
    "aws:iam/policy:Policy",
    "aws:iam/instanceProfile:InstanceProfile",
    "aws:ec2/vpc:Vpc",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    "aws:ec2/vpcEndpoint:VpcEndpoint",
    "aws:ec2/flowLog:FlowLog",
    "aws:cloudtrail/trail:Trail",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    "aws:cloudwatch/eventRule:EventRule",
    "aws:s3/bucketObjectv2:BucketObjectv2",
    "aws:sns/topic:Topic",
    "aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList",
    "aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup",
    "aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation",
    "aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig",
]);
const NOT_TAGGABLE = new Set([
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLogging:BucketLogging",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    "aws:kms/alias:Alias",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:ec2/routeTableAssociation:RouteTableAssociation",
    "aws:cloudwatch/logMetricFilter:LogMetricFilter",
    "aws:cloudwatch/eventTarget:EventTarget",
    "aws:sns/topicPolicy:TopicPolicy",
    "aws:sns/topicSubscription:TopicSubscription",
    "aws:route53/resolverFirewallRule:ResolverFirewallRule",
    "aws:route53/resolverFirewallConfig:ResolverFirewallConfig",
    "aws:route53/resolverQueryLogConfigAssociation:ResolverQueryLogConfigAssociation",
]);
const isAwsResource = (r: PlanResource) => r.custom && r.type.startsWith("aws:");

describe("tags", () => {
    it("the taggable type list matches the installed @pulumi/aws and covers every AWS type the plans register", () => {
        const types = new Set(allPlans().flatMap((p) => p.resources.filter(isAwsResource).map((r) => r.type)));
        for (const t of types) expect(TAGGABLE.has(t) || NOT_TAGGABLE.has(t), `${t} is in neither list`).toBe(true);
        for (const t of [...TAGGABLE, ...NOT_TAGGABLE]) {
            const module = t.split(":")[1];
            const dts = fs.readFileSync(path.join(ROOT, "node_modules", "@pulumi", "aws", `${module}.d.ts`), "utf8");
            expect(/\n\s+tags\?: pulumi\.Input/.test(dts), `${t} taggable in @pulumi/aws`).toBe(TAGGABLE.has(t));
        }
    });

    it("(design) every taggable vendor resource has enclave:vendor and enclave:managed-by; data buckets also enclave:dataset and enclave:access", () => {
        for (const id of vendorIds()) {
            const tagged = plans[id].resources.filter((r) => TAGGABLE.has(r.type));
            expect(tagged.length).toBeGreaterThanOrEqual(17);
            for (const r of tagged) {
                expect(r.inputs.tags, r.name).toMatchObject({ "enclave:vendor": id, "enclave:managed-by": "vendor-enclaves" });
            }
            const buckets = dataBuckets(id);
            expect(
                buckets
                    .map((b) => b.inputs.tags as Record<string, string>)
                    .map((t) => `${t["enclave:dataset"]}:${t["enclave:access"]}`)
                    .sort(),
            ).toEqual(specs[id].datasets.map((d) => `${d.name}:${d.access}`).sort());
            // The provider's default tags back up the per-resource tags.
            const provider = one(plans[id], "pulumi:providers:aws", `${id}-aws`);
            expect(JSON.parse(str(provider.inputs.defaultTags))).toEqual({ tags: { "enclave:vendor": id, "enclave:managed-by": "vendor-enclaves" } });
            expect(JSON.parse(str(provider.inputs.allowedAccountIds))).toEqual([specs[id].account.id]);
        }
    });

    it("(design) every taggable security-stack resource is tagged as the log archive", () => {
        const tagged = security.resources.filter((r) => TAGGABLE.has(r.type));
        expect(tagged.length).toBeGreaterThan(10);
        for (const r of tagged)
            expect(r.inputs.tags, r.name).toEqual({ "enclave:vendor": "security", "enclave:managed-by": "vendor-enclaves", "enclave:role": "log-archive" });
    });
});

describe("S3", () => {
    const everyBucket = () => allPlans().flatMap((p) => ofType(p, "aws:s3/bucket:Bucket").map((b) => [p, b] as const));

    it("S3.8/CIS 2.1.4/CKV_AWS_53-56: every bucket has a public access block with all four flags", () => {
        expect(everyBucket()).toHaveLength(7);
        for (const [p, b] of everyBucket()) {
            const blocks = sideOf(p, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", b);
            expect(blocks, str(b.inputs.bucket)).toHaveLength(1);
            expect(blocks[0].inputs).toMatchObject({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
        }
    });

    it("S3.5/CIS 2.1.1/AwsSolutions-S10: every bucket policy denies aws:SecureTransport=false for s3:* on the bucket and its objects", () => {
        for (const [p, b] of everyBucket()) {
            const policies = sideOf(p, "aws:s3/bucketPolicy:BucketPolicy", b);
            expect(policies).toHaveLength(1);
            expect(sid(doc(policies[0]), "DenyInsecureTransport")).toEqual({
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [b.outputs.arn, `${b.outputs.arn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            });
        }
    });

    it("S3.2/S3.3/S3.6/CKV_AWS_20/57/70: no bucket policy Allows '*' or another account; service principals only with aws:SourceAccount", () => {
        for (const p of allPlans()) {
            for (const bp of ofType(p, "aws:s3/bucketPolicy:BucketPolicy")) {
                for (const s of doc(bp).Statement.filter((x) => x.Effect === "Allow")) {
                    expect(s.Principal, `${bp.name} ${s.Sid}`).not.toBe("*");
                    expect(Object.keys(s.Principal as object)).toEqual(["Service"]);
                    expect(s.Condition?.StringEquals?.["aws:SourceAccount"]).toBe(securitySpec.account.id);
                }
            }
        }
        // Vendor data bucket policies grant nothing at all: access comes from the roles' identity policies.
        for (const id of vendorIds()) {
            for (const bp of ofType(plans[id], "aws:s3/bucketPolicy:BucketPolicy"))
                expect(
                    doc(bp)
                        .Statement.map((s) => s.Effect)
                        .every((e) => e === "Deny"),
                ).toBe(true);
        }
    });

    it("S3.12: BucketOwnerEnforced on every bucket and no ACL resources", () => {
        for (const [p, b] of everyBucket()) {
            const own = sideOf(p, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", b);
            expect(own).toHaveLength(1);
            expect(own[0].inputs.rule).toEqual({ objectOwnership: "BucketOwnerEnforced" });
            expect(b.inputs.acl).toBeUndefined();
        }
        for (const p of allPlans()) expect(p.resources.filter((r) => /bucketAcl/i.test(r.type))).toEqual([]);
    });

    it("S3.17/CKV_AWS_145: vendor buckets use SSE-KMS with the vendor's own key by full ARN and bucket keys; the policy denies other keys", () => {
        for (const id of vendorIds()) {
            const keyArn = str(keyOf(id).outputs.arn);
            expect(keyArn).toMatch(/^arn:aws:kms:us-east-1:111122223333:key\/[0-9a-f-]{36}$/);
            for (const b of dataBuckets(id)) {
                const enc = sideOf(plans[id], "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", b);
                expect(enc).toHaveLength(1);
                expect(enc[0].inputs.rules).toEqual([
                    {
                        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: keyArn },
                        bucketKeyEnabled: true,
                        blockedEncryptionTypes: ["SSE-C"],
                    },
                ]);
                expect(sid(doc(sideOf(plans[id], "aws:s3/bucketPolicy:BucketPolicy", b)[0]), "DenyKmsWithoutThisKey").Condition).toEqual({
                    StringEquals: { "s3:x-amz-server-side-encryption": "aws:kms" },
                    Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "true" },
                });
                const policy = doc(sideOf(plans[id], "aws:s3/bucketPolicy:BucketPolicy", b)[0]);
                expect(sid(policy, "DenyOtherKmsKeys").Condition).toEqual({
                    StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": keyArn },
                    Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" },
                });
                expect(sid(policy, "DenyEncryptionOtherThanKms")).toMatchObject({ Effect: "Deny", Action: "s3:PutObject", Resource: `${b.outputs.arn}/*` });
            }
        }
        // The archive uses its own key without S3 Bucket Keys (with them CloudTrail would need kms:Decrypt for the trail's
        // creator, and evidence writes could not be scoped by object prefix); the access-log bucket SSE-S3, because S3
        // server access logging cannot write SSE-KMS. Both refuse SSE-C uploads.
        const archiveKey = str(one(security, "aws:kms/key:Key", "-archive-key").outputs.arn);
        const enc = (n: string) => one(security, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", n).inputs.rules;
        expect(enc("security-archive-encryption")).toEqual([
            {
                applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: archiveKey },
                bucketKeyEnabled: false,
                blockedEncryptionTypes: ["SSE-C"],
            },
        ]);
        expect(enc("security-access-logs-encryption")).toEqual([
            { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, blockedEncryptionTypes: ["SSE-C"] },
        ]);
        // CloudTrail can describe the key (no encryption-context condition, which DescribeKey never carries).
        expect(sid(doc(one(security, "aws:kms/key:Key", "-archive-key")), "CloudTrailDescribeKey")).toEqual({
            Sid: "CloudTrailDescribeKey",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: ["kms:DescribeKey"],
            Resource: "*",
            Condition: { StringEquals: { "aws:SourceAccount": "111122223333" } },
        });
    });

    it("S3.14/CKV_AWS_21: versioning enabled on every bucket", () => {
        for (const [p, b] of everyBucket()) {
            const v = sideOf(p, "aws:s3/bucketVersioning:BucketVersioning", b);
            expect(v).toHaveLength(1);
            expect(v[0].inputs.versioningConfiguration).toEqual({ status: "Enabled" });
        }
    });

    it("S3.9/CKV_AWS_18: server access logging to the separate access-log bucket (never an Object Lock bucket, never itself)", () => {
        const target = mockSecurityOutputs(securitySpec).accessLogBucketName;
        expect(target).toBe(one(security, "aws:s3/bucket:Bucket", "security-access-logs-bucket").inputs.bucket);
        for (const [p, b] of everyBucket()) {
            const logs = sideOf(p, "aws:s3/bucketLogging:BucketLogging", b);
            if (b.inputs.bucket === target) {
                expect(logs, "the access-log bucket cannot log into itself").toHaveLength(0);
                continue;
            }
            expect(logs, str(b.inputs.bucket)).toHaveLength(1);
            expect(logs[0].inputs.targetBucket).toBe(target);
        }
        for (const id of vendorIds()) {
            for (const b of dataBuckets(id)) {
                const ds = (b.inputs.tags as Record<string, string>)["enclave:dataset"];
                expect(sideOf(plans[id], "aws:s3/bucketLogging:BucketLogging", b)[0].inputs.targetPrefix).toBe(`vendors/${id}/s3-access/${ds}/`);
            }
        }
        expect(one(security, "aws:s3/bucket:Bucket", "security-access-logs-bucket").inputs.objectLockEnabled).toBeUndefined();
    });

    it("S3.15/CKV_AWS_143: the log archive has Object Lock with default retention from the spec; vendor buckets have none", () => {
        const archive = one(security, "aws:s3/bucket:Bucket", "security-archive-bucket");
        expect(archive.inputs.objectLockEnabled).toBe(true);
        const lock = ofType(security, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration");
        expect(lock).toHaveLength(1);
        expect(lock[0].inputs).toMatchObject({
            bucket: archive.inputs.bucket,
            objectLockEnabled: "Enabled",
            rule: { defaultRetention: { mode: "COMPLIANCE", days: 400 } },
        });
        for (const id of vendorIds()) {
            expect(ofType(plans[id], "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")).toEqual([]);
            for (const b of dataBuckets(id)) expect(b.inputs.objectLockEnabled).toBeUndefined();
        }
    });

    it("S3.13/S3.10: lifecycle aborts incomplete multipart uploads and expires noncurrent versions", () => {
        for (const [p, b] of everyBucket()) {
            const lc = sideOf(p, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", b);
            expect(lc).toHaveLength(1);
            const rules = lc[0].inputs.rules as Record<string, unknown>[];
            expect(rules.find((r) => r.id === "abort-incomplete-multipart-uploads")).toMatchObject({
                status: "Enabled",
                abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
            });
            expect(rules.find((r) => r.id === "expire-noncurrent-versions")).toMatchObject({ status: "Enabled", noncurrentVersionExpiration: {} });
        }
        for (const id of vendorIds()) {
            for (const b of dataBuckets(id)) {
                const rules = sideOf(plans[id], "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", b)[0].inputs.rules as {
                    noncurrentVersionExpiration?: { noncurrentDays: number };
                }[];
                expect(rules[1].noncurrentVersionExpiration).toEqual({ noncurrentDays: specs[id].logRetentionDays });
            }
        }
    });

    it("CIS 3.8/3.9: each vendor trail logs read and write data events for exactly its bucket ARNs", () => {
        for (const id of vendorIds()) {
            const trail = one(plans[id], "aws:cloudtrail/trail:Trail", "-audit-trail");
            const selectors = trail.inputs.advancedEventSelectors as { fieldSelectors: { field: string; equals?: string[]; startsWiths?: string[] }[] }[];
            expect(selectors).toHaveLength(1);
            const fields = selectors[0].fieldSelectors;
            expect(fields.find((f) => f.field === "eventCategory")!.equals).toEqual(["Data"]);
            expect(fields.find((f) => f.field === "resources.type")!.equals).toEqual(["AWS::S3::Object"]);
            expect(
                fields.find((f) => f.field === "readOnly"),
                "no readOnly selector: reads and writes",
            ).toBeUndefined();
            expect([...fields.find((f) => f.field === "resources.ARN")!.startsWiths!].sort()).toEqual(
                dataBuckets(id)
                    .map((b) => `${b.outputs.arn}/`)
                    .sort(),
            );
        }
    });

    it("S3 data perimeter (rule 12): each data bucket denies s3:* outside the vendor's endpoint (or egress ranges), exempting deployer, break-glass and AWS services", () => {
        for (const id of vendorIds()) {
            const endpointId = one(plans[id], "aws:ec2/vpcEndpoint:VpcEndpoint", "-s3-endpoint").outputs.id;
            expect(endpointId).toMatch(/^vpce-/);
            for (const b of dataBuckets(id)) {
                const expected: Record<string, unknown> = {
                    StringNotEqualsIfExists: { "aws:PrincipalArn": [securitySpec.deployerRoleArn, securitySpec.breakGlassRoleArn] },
                    BoolIfExists: { "aws:PrincipalIsAWSService": "false" },
                    StringNotEquals: { "aws:SourceVpce": endpointId },
                };
                if (specs[id].network.dataPath === "allow-list") expected.NotIpAddress = { "aws:SourceIp": specs[id].network.vendorEgressCidrs };
                const s = sid(doc(sideOf(plans[id], "aws:s3/bucketPolicy:BucketPolicy", b)[0]), "DenyOutsideNetworkPerimeter");
                expect(s).toEqual({
                    Sid: "DenyOutsideNetworkPerimeter",
                    Effect: "Deny",
                    Principal: "*",
                    Action: "s3:*",
                    Resource: [b.outputs.arn, `${b.outputs.arn}/*`],
                    Condition: expected,
                });
            }
        }
        expect(specs.evalcorp.network.dataPath).toBe("allow-list");
    });

    it("CKV_AWS_93 (rule 13): no data bucket Deny names the deployer; every Deny on s3:* exempts it or targets others", () => {
        for (const id of vendorIds()) {
            for (const bp of ofType(plans[id], "aws:s3/bucketPolicy:BucketPolicy")) {
                for (const s of doc(bp).Statement) {
                    const c = s.Condition ?? {};
                    const exempts = list(c.StringNotEqualsIfExists?.["aws:PrincipalArn"] as string[]).includes(securitySpec.deployerRoleArn);
                    const targetsOthers =
                        c.StringEquals?.["aws:PrincipalArn"] !== undefined &&
                        !list(c.StringEquals["aws:PrincipalArn"] as string[]).includes(securitySpec.deployerRoleArn);
                    const onlyPutObject = list(s.Action).every((a) => a === "s3:PutObject");
                    const tlsOnly = c.Bool?.["aws:SecureTransport"] === "false";
                    // The deployer's one refusal: reading objects. Seal and destroy need policy, list and delete, never get.
                    const deployerReadsOnly =
                        s.Sid === "DenyDeployerDataReads" &&
                        list(s.Action).every((a) => /^s3:(GetObject|GetObjectVersion|GetObjectAttributes|GetObjectVersionAttributes|RestoreObject)$/.test(a));
                    expect(exempts || targetsOthers || onlyPutObject || tlsOnly || deployerReadsOnly, `${bp.name} ${s.Sid}`).toBe(true);
                }
            }
        }
    });

    it("(rule 36) vendor data buckets are forceDestroy; archive buckets are not", () => {
        for (const id of vendorIds()) for (const b of dataBuckets(id)) expect(b.inputs.forceDestroy).toBe(true);
        for (const b of ofType(security, "aws:s3/bucket:Bucket")) expect(b.inputs.forceDestroy).toBe(false);
    });
});

describe("creation order (what the engine is told to wait for; the mocks cannot show AWS refusing a wrong order)", () => {
    it("each vendor key waits for no role: its policy names roles only in aws:PrincipalArn conditions, which KMS does not validate", () => {
        for (const id of vendorIds()) {
            const roles = ofType(plans[id], "aws:iam/role:Role").map((r) => r.urn);
            expect(roles).toHaveLength(2);
            expect(
                (keyOf(id).dependencies ?? []).filter((d) => roles.includes(d)),
                id,
            ).toEqual([]);
        }
    });

    it("each seal policy waits for nothing: its role by static name, its document from the seal time only", () => {
        const policies = ofType(sealed, "aws:iam/rolePolicy:RolePolicy").filter((r) => r.inputs.name === "enclave-seal");
        expect(policies.map((r) => [r.name, r.inputs.role, r.dependencies ?? []])).toEqual([
            ["evalcorp-access-vendor-seal", "enclave-evalcorp-vendor", []],
            ["evalcorp-access-workload-seal", "enclave-evalcorp-workload", []],
        ]);
    });

    it("each bucket policy waits for its bucket's public access block and ownership controls (S3 refuses a put that races them)", () => {
        for (const p of allPlans()) {
            for (const policy of ofType(p, "aws:s3/bucketPolicy:BucketPolicy")) {
                const bucket = ofType(p, "aws:s3/bucket:Bucket").find((b) => b.inputs.bucket === policy.inputs.bucket)!;
                const companions = ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "aws:s3/bucketOwnershipControls:BucketOwnershipControls"].map(
                    (t) => sideOf(p, t, bucket),
                );
                for (const [side] of companions) expect(policy.dependencies ?? [], `${policy.name} waits for ${side.name}`).toContain(side.urn);
            }
        }
    });
});

describe("KMS", () => {
    it("KMS.4/CIS 3.6/CKV_AWS_7 and KMS.3: rotation on, deletion window explicit (7-30, as specified), enabled", () => {
        for (const id of vendorIds()) {
            expect(ofType(plans[id], "aws:kms/key:Key"), "one key per vendor (rule 18)").toHaveLength(1);
            expect(keyOf(id).inputs).toMatchObject({ enableKeyRotation: true, deletionWindowInDays: specs[id].keyDeletionWindowDays, isEnabled: true });
        }
        expect(specs.evalcorp.keyDeletionWindowDays).toBe(7);
        const archiveKey = one(security, "aws:kms/key:Key", "-archive-key");
        expect(archiveKey.inputs).toMatchObject({ enableKeyRotation: true, deletionWindowInDays: 30, isEnabled: true });
    });

    it("KMS.5/CKV_AWS_33/CKV2_AWS_64: explicit key policies with no Allow to '*'; the account root only pinned to exact roles by ARN; no vendor key names a role as Principal", () => {
        for (const p of allPlans()) {
            const vendorSide =
                p.stack === "security"
                    ? []
                    : [`arn:aws:iam::111122223333:role/enclave-${p.stack}-vendor`, `arn:aws:iam::111122223333:role/enclave-${p.stack}-workload`];
            for (const key of ofType(p, "aws:kms/key:Key")) {
                // Vendor keys: the deployer and break-glass. The archive and alarm keys: the archive admin and break-glass.
                const admins = key.name.startsWith("security-")
                    ? [securitySpec.archiveAdminRoleArn, securitySpec.breakGlassRoleArn]
                    : [securitySpec.deployerRoleArn, securitySpec.breakGlassRoleArn];
                const pinned: Record<string, unknown> = {};
                for (const s of doc(key).Statement.filter((x) => x.Effect === "Allow")) {
                    expect(s.Principal, `${key.name} ${s.Sid}`).not.toBe("*");
                    for (const a of list((s.Principal as { AWS?: string | string[] }).AWS)) {
                        // Survives re-creation of a role (KMS pins a named role to its unique id) and names no role KMS must find.
                        if (a.endsWith(":root")) pinned[s.Sid] = s.Condition?.ArnEquals;
                        else if (p.stack !== "security") expect([key.name, s.Sid, a]).toEqual([key.name, s.Sid, expect.not.stringMatching(/:role\//)]);
                    }
                }
                expect([key.name, pinned]).toEqual([
                    key.name,
                    p.stack === "security"
                        ? key.name.endsWith("-archive-key")
                            ? {
                                  KeyAdministrationByRoleArn: { "aws:PrincipalArn": admins },
                                  InvestigatorsReadLogs: { "aws:PrincipalArn": [securitySpec.breakGlassRoleArn] },
                                  DeployerEncryptsEvidenceViaS3: { "aws:PrincipalArn": [securitySpec.deployerRoleArn] },
                              }
                            : { KeyAdministrationByRoleArn: { "aws:PrincipalArn": admins } }
                        : {
                              KeyAdministrationByRoleArn: { "aws:PrincipalArn": admins },
                              BreakGlassReadViaS3: { "aws:PrincipalArn": [securitySpec.breakGlassRoleArn] },
                              UseVendorKeyViaS3: { "aws:PrincipalArn": vendorSide },
                              // Planting the tripwires (encrypt only, through S3): only where a dataset is readable.
                              ...(specs[p.stack].datasets.some((d) => d.access !== "write")
                                  ? { DeployerPlantsTripwires: { "aws:PrincipalArn": [securitySpec.deployerRoleArn] } }
                                  : {}),
                          },
                ]);
            }
        }
    });

    it("rule 18/19: vendor key use only by this vendor's roles via S3; the logs service only with its log group's encryption context", () => {
        for (const id of vendorIds()) {
            const d = doc(keyOf(id));
            const roles = [`arn:aws:iam::111122223333:role/enclave-${id}-vendor`, `arn:aws:iam::111122223333:role/enclave-${id}-workload`];
            expect(sid(d, "UseVendorKeyViaS3")).toMatchObject({
                Principal: { AWS: ["arn:aws:iam::111122223333:root"] },
                Condition: {
                    StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:CallerAccount": "111122223333" },
                    ArnEquals: { "aws:PrincipalArn": roles },
                },
            });
            const logGroup = one(plans[id], "aws:cloudwatch/logGroup:LogGroup", "-workload-logs");
            expect(sid(d, "CloudWatchLogsForWorkloadLogGroup").Condition).toEqual({
                ArnEquals: { "kms:EncryptionContext:aws:logs:arn": logGroup.outputs.arn },
            });
            for (const s of d.Statement.filter((x) => x.Effect === "Allow" && (x.Principal as { Service?: string }).Service)) {
                expect(JSON.stringify(s.Condition ?? {}), s.Sid).toMatch(/kms:EncryptionContext|aws:SourceAccount|aws:SourceArn/);
            }
        }
        for (const s of doc(one(security, "aws:kms/key:Key", "-archive-key")).Statement.filter(
            (x) => x.Effect === "Allow" && (x.Principal as { Service?: string }).Service,
        )) {
            expect(JSON.stringify(s.Condition ?? {}), s.Sid).toMatch(/kms:EncryptionContext|aws:SourceAccount|aws:SourceArn/);
        }
    });
});

describe("network", () => {
    it("EC2.2/CIS 5.5: each VPC's default security group is adopted with no rules", () => {
        for (const id of vendorIds()) {
            const vpc = one(plans[id], "aws:ec2/vpc:Vpc", "-vpc");
            const dsg = ofType(plans[id], "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup");
            expect(dsg).toHaveLength(1);
            expect(dsg[0].inputs).toMatchObject({ vpcId: vpc.outputs.id, ingress: [], egress: [] });
        }
    });

    it("EC2.6/CIS 3.7: a flow log on each VPC with trafficType ALL, delivered to the vendor's prefix in the archive", () => {
        for (const id of vendorIds()) {
            const vpc = one(plans[id], "aws:ec2/vpc:Vpc", "-vpc");
            const fl = ofType(plans[id], "aws:ec2/flowLog:FlowLog");
            expect(fl).toHaveLength(1);
            expect(fl[0].inputs).toMatchObject({
                vpcId: vpc.outputs.id,
                trafficType: "ALL",
                logDestinationType: "s3",
                logDestination: `arn:aws:s3:::enclave-log-archive-111122223333-us-east-1/vendors/${id}/flow-logs/`,
            });
        }
    });

    it("rule 22/NIST VPCNoUnrestrictedRouteToIGW: no IGW, egress-only IGW, NAT gateway, EIP, route resource or 0.0.0.0/0 / ::/0 anywhere", () => {
        const forbidden = [
            "aws:ec2/internetGateway:InternetGateway",
            "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway",
            "aws:ec2/natGateway:NatGateway",
            "aws:ec2/eip:Eip",
            "aws:ec2/route:Route",
            "aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
            "aws:ec2transitgateway/vpcAttachment:VpcAttachment",
        ];
        for (const p of allPlans()) {
            expect(p.resources.filter((r) => forbidden.includes(r.type))).toEqual([]);
            const text = JSON.stringify(p.resources.map((r) => r.inputs));
            expect(text).not.toContain("0.0.0.0/0");
            expect(text).not.toContain("::/0");
            for (const rt of ofType(p, "aws:ec2/routeTable:RouteTable")) expect(list(rt.inputs.routes as unknown[])).toEqual([]);
        }
    });

    it("EC2.15: subnets never map public IPs; one subnet per AZ from the spec's range", () => {
        for (const id of vendorIds()) {
            const subnets = ofType(plans[id], "aws:ec2/subnet:Subnet");
            expect(subnets).toHaveLength(specs[id].network.azCount);
            for (const s of subnets) {
                expect(s.inputs.mapPublicIpOnLaunch).toBe(false);
                expect(s.inputs.assignIpv6AddressOnCreation ?? false).toBe(false);
            }
        }
    });

    it("CIS 5.2-5.4/CKV_AWS_24/25/260/AVD-AWS-0104/CKV_AWS_23: the endpoint SG allows only 443 from the VPC CIDR, no egress, every group and rule described", () => {
        const sgs = ofType(plans.evalcorp, "aws:ec2/securityGroup:SecurityGroup").filter((g) => g.name.endsWith("-endpoints-sg"));
        expect(sgs).toHaveLength(1);
        expect(sgs[0].inputs).toMatchObject({
            description: "Interface endpoints: HTTPS from inside the enclave VPC only",
            ingress: [{ description: "HTTPS from the enclave VPC", protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: [specs.evalcorp.network.cidr] }],
            egress: [],
        });
        expect(
            ofType(plans["acme-labeling"], "aws:ec2/securityGroup:SecurityGroup").filter((g) => g.name.endsWith("-endpoints-sg")),
            "no interface endpoints, no group",
        ).toEqual([]);
    });

    it("every enclave VPC has the breach isolation group ready: named for the vendor, tagged, no ingress and no egress rule (the provider revokes AWS's default egress)", () => {
        for (const id of vendorIds()) {
            const g = one(plans[id], "aws:ec2/securityGroup:SecurityGroup", "-network-isolation-sg");
            expect(g.inputs).toMatchObject({ name: `enclave-${id}-isolation`, ingress: [], egress: [] });
            expect(g.inputs.tags).toMatchObject({ "enclave:vendor": id, "enclave:managed-by": "vendor-enclaves" });
            expect(g.inputs.vpcId).toBe(one(plans[id], "aws:ec2/vpc:Vpc", "-network-vpc").outputs.id);
        }
    });

    it("rule 25: no separate security-group rule resources; no role has both inline and attached role policies", () => {
        for (const p of allPlans()) {
            expect(p.resources.filter((r) => /securityGroupRule|vpcSecurityGroup(Ingress|Egress)Rule/.test(r.type))).toEqual([]);
            for (const role of ofType(p, "aws:iam/role:Role")) expect(role.inputs.inlinePolicies ?? []).toEqual([]);
        }
    });

    it("rule 26: every VPC endpoint has an explicit policy; the S3 endpoint allows only this vendor's buckets and roles", () => {
        for (const id of vendorIds()) {
            const endpoints = ofType(plans[id], "aws:ec2/vpcEndpoint:VpcEndpoint");
            expect(endpoints).toHaveLength(1 + specs[id].network.interfaceEndpoints.length);
            for (const e of endpoints) expect(doc(e).Statement.length, e.name).toBeGreaterThan(0);
            const s3 = doc(one(plans[id], "aws:ec2/vpcEndpoint:VpcEndpoint", "-s3-endpoint"));
            const buckets = dataBuckets(id).map((b) => str(b.outputs.arn));
            for (const s of s3.Statement.filter((x) => x.Effect === "Allow")) {
                for (const r of list(s.Resource))
                    expect(
                        buckets.some((b) => r === b || r === `${b}/*`),
                        r,
                    ).toBe(true);
                expect(s.Condition).toEqual({
                    StringEquals: {
                        "aws:PrincipalArn": [`arn:aws:iam::111122223333:role/enclave-${id}-vendor`, `arn:aws:iam::111122223333:role/enclave-${id}-workload`],
                        "s3:ResourceAccount": "111122223333",
                    },
                });
            }
        }
    });

    it("(design) DNS: the resolver answers AWS names only, NXDOMAIN for the rest, fails closed, logs every query to the archive", () => {
        // Why: the VPC resolver would otherwise answer any internet name, a way out no endpoint or IAM policy sees.
        for (const id of vendorIds()) {
            const p = plans[id];
            const vpcId = one(p, "aws:ec2/vpc:Vpc", "-vpc").outputs.id;
            const lists = new Map(ofType(p, "aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList").map((l) => [l.outputs.id, l.inputs.domains]));
            const group = ofType(p, "aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup");
            expect(group).toHaveLength(1);
            const rules = ofType(p, "aws:route53/resolverFirewallRule:ResolverFirewallRule")
                .sort((a, b) => Number(a.inputs.priority) - Number(b.inputs.priority))
                .map((r) => ({
                    group: r.inputs.firewallRuleGroupId,
                    priority: r.inputs.priority,
                    action: r.inputs.action,
                    blockResponse: r.inputs.blockResponse,
                    domains: lists.get(r.inputs.firewallDomainListId),
                }));
            expect(rules).toEqual([
                {
                    group: group[0].outputs.id,
                    priority: 100,
                    action: "ALLOW",
                    blockResponse: undefined,
                    domains: ["amazonaws.com", "*.amazonaws.com", "*.compute.internal", "*.ec2.internal"],
                },
                { group: group[0].outputs.id, priority: 200, action: "BLOCK", blockResponse: "NXDOMAIN", domains: ["*"] },
            ]);
            const assoc = ofType(p, "aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation");
            expect(assoc.map((a) => a.inputs)).toEqual([
                expect.objectContaining({ vpcId, firewallRuleGroupId: group[0].outputs.id, mutationProtection: "DISABLED" }),
            ]);
            expect(ofType(p, "aws:route53/resolverFirewallConfig:ResolverFirewallConfig").map((c) => c.inputs)).toEqual([
                expect.objectContaining({ resourceId: vpcId, firewallFailOpen: "DISABLED" }),
            ]);
            const queryLog = ofType(p, "aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig");
            expect(queryLog.map((q) => q.inputs.destinationArn)).toEqual([
                `arn:aws:s3:::enclave-log-archive-111122223333-us-east-1/vendors/${id}/dns-query-logs/`,
            ]);
            expect(ofType(p, "aws:route53/resolverQueryLogConfigAssociation:ResolverQueryLogConfigAssociation").map((a) => a.inputs)).toEqual([
                expect.objectContaining({ resolverQueryLogConfigId: queryLog[0].outputs.id, resourceId: vpcId }),
            ]);
        }
    });

    it("(design) DNS, sealed: the allow-list rule blocks too, so a running instance resolves nothing", () => {
        const rules = ofType(sealed, "aws:route53/resolverFirewallRule:ResolverFirewallRule").map((r) => [
            r.inputs.priority,
            r.inputs.action,
            r.inputs.blockResponse,
        ]);
        expect(rules.sort()).toEqual([
            [100, "BLOCK", "NXDOMAIN"],
            [200, "BLOCK", "NXDOMAIN"],
        ]);
    });

    it("rule 37: interface endpoints take their subnets and security group as direct inputs (destroy order); no foreign groups", () => {
        const subnetIds = ofType(plans.evalcorp, "aws:ec2/subnet:Subnet")
            .map((s) => s.outputs.id)
            .sort();
        const sgId = ofType(plans.evalcorp, "aws:ec2/securityGroup:SecurityGroup")[0].outputs.id;
        const iface = ofType(plans.evalcorp, "aws:ec2/vpcEndpoint:VpcEndpoint").filter((e) => e.inputs.vpcEndpointType === "Interface");
        expect(iface.map((e) => e.inputs.serviceName).sort()).toEqual(["com.amazonaws.us-east-1.kms", "com.amazonaws.us-east-1.sts"]);
        for (const e of iface) {
            expect([...(e.inputs.subnetIds as string[])].sort()).toEqual(subnetIds);
            expect(e.inputs.securityGroupIds).toEqual([sgId]);
            expect(e.inputs.privateDnsEnabled).toBe(true);
        }
    });
});

describe("IAM", () => {
    const vendorRole = (id: string) => one(plans[id], "aws:iam/role:Role", "-vendor-role");
    const identityDocs = (p: Plan) =>
        [...ofType(p, "aws:iam/rolePolicy:RolePolicy"), ...ofType(p, "aws:iam/policy:Policy")].map((r) => [r.name, doc(r)] as const);

    it("rule 27: the vendor trust names exactly the spec's principals (ArnEquals aws:PrincipalArn under their account), sts:AssumeRole, with sts:ExternalId; never '*'", () => {
        for (const id of vendorIds()) {
            const trust = doc(vendorRole(id), "assumeRolePolicy");
            const accounts = [...new Set(specs[id].access.principals.map((a) => a.split(":")[4]))];
            expect(trust.Statement).toEqual([
                {
                    Sid: "AllowVendorPrincipalsWithExternalId",
                    Effect: "Allow",
                    Principal: { AWS: accounts.map((a) => `arn:aws:iam::${a}:root`) },
                    Action: "sts:AssumeRole",
                    Condition: { StringEquals: { "sts:ExternalId": "[secret]" }, ArnEquals: { "aws:PrincipalArn": specs[id].access.principals } },
                },
            ]);
        }
        for (const role of allPlans().flatMap((p) => ofType(p, "aws:iam/role:Role"))) {
            for (const s of doc(role, "assumeRolePolicy").Statement) {
                expect(s.Principal, role.name).not.toBe("*");
                expect(JSON.stringify(s.Principal)).not.toContain('"*"');
            }
        }
    });

    it("FSBP IAM.1/IAM.21/CKV_AWS_62/63/355/AwsSolutions-IAM5, KMS.1/KMS.2: no Allow of '*', service:*, Resource '*' or iam:PassRole in identity policies and boundaries", () => {
        // The documents checked below, exactly: two role policies and the boundary per vendor, the trail role's policy in
        // the security stack. Without this the check would pass on nothing if the resource types changed.
        for (const id of vendorIds()) {
            expect(
                identityDocs(plans[id])
                    .map(([name]) => name)
                    .sort(),
                id,
            ).toEqual([`${id}-access-vendor-policy`, `${id}-access-workload-policy`, `${id}-identity-boundary`]);
        }
        expect(identityDocs(security).map(([name]) => name)).toEqual(["security-trail-logs-policy"]);
        for (const p of allPlans()) {
            for (const [name, d] of identityDocs(p)) {
                for (const s of d.Statement.filter((x) => x.Effect === "Allow")) {
                    for (const a of list(s.Action)) {
                        expect(a, `${name} ${s.Sid}`).not.toBe("*");
                        expect(a, `${name} ${s.Sid}`).not.toMatch(/:\*$/);
                        expect(a).not.toBe("iam:PassRole");
                    }
                    expect(list(s.Resource), `${name} ${s.Sid}`).not.toContain("*");
                }
            }
        }
    });

    it("AwsSolutions-IAM4/FSBP IAM.2 (rule 29): no AWS-managed policies, no policy attachments, no IAM users or access keys", () => {
        for (const p of allPlans()) {
            expect(
                p.resources.filter((r) => /^aws:iam\/(user|accessKey|userPolicy|rolePolicyAttachment|policyAttachment|userLoginProfile)/.test(r.type)),
            ).toEqual([]);
            for (const role of ofType(p, "aws:iam/role:Role")) expect(role.inputs.managedPolicyArns ?? []).toEqual([]);
        }
    });

    it("rule 30: every vendor role has the vendor boundary and maxSessionDuration <= 3600 (as specified)", () => {
        for (const id of vendorIds()) {
            const boundary = one(plans[id], "aws:iam/policy:Policy", "-boundary");
            const roles = ofType(plans[id], "aws:iam/role:Role");
            expect(roles).toHaveLength(2);
            for (const r of roles) {
                expect(r.inputs.permissionsBoundary, r.name).toBe(boundary.outputs.arn);
                expect(r.inputs.maxSessionDuration as number).toBeLessThanOrEqual(3600);
            }
            expect(vendorRole(id).inputs.maxSessionDuration).toBe(specs[id].access.maxSessionSeconds);
        }
        expect(specs.evalcorp.access.maxSessionSeconds).toBe(1800);
    });
});

describe("CloudTrail and logs", () => {
    it("CloudTrail.1/2/4/5 (rule 31): the account trail is multi-region, KMS-encrypted, validated and delivered to CloudWatch Logs", () => {
        const trail = one(security, "aws:cloudtrail/trail:Trail", "-account-trail");
        const logGroup = one(security, "aws:cloudwatch/logGroup:LogGroup", "-trail-logs");
        expect(trail.inputs).toMatchObject({
            isMultiRegionTrail: true,
            includeGlobalServiceEvents: true,
            enableLogFileValidation: true,
            enableLogging: true,
            kmsKeyId: one(security, "aws:kms/key:Key", "-archive-key").outputs.arn,
            cloudWatchLogsGroupArn: `${logGroup.outputs.arn}:*`,
            cloudWatchLogsRoleArn: one(security, "aws:iam/role:Role", "-trail-logs-role").outputs.arn,
        });
    });

    it("rule 31: vendor trails are KMS-encrypted with the archive key (not the vendor's), validated, and write under the vendor's prefix", () => {
        const archiveKeyArn = one(security, "aws:kms/key:Key", "-archive-key").outputs.arn;
        expect(mockSecurityOutputs(securitySpec).archiveKeyArn).toBe(archiveKeyArn);
        for (const id of vendorIds()) {
            expect(one(plans[id], "aws:cloudtrail/trail:Trail", "-audit-trail").inputs).toMatchObject({
                kmsKeyId: archiveKeyArn,
                enableLogFileValidation: true,
                enableLogging: true,
                s3BucketName: one(security, "aws:s3/bucket:Bucket", "security-archive-bucket").inputs.bucket,
                s3KeyPrefix: `vendors/${id}/cloudtrail`,
            });
        }
    });

    it("CKV_AWS_158/66/338 (rule 32): every log group has a KMS key and an explicit retention of at least 365 days", () => {
        for (const p of allPlans()) {
            const groups = ofType(p, "aws:cloudwatch/logGroup:LogGroup");
            expect(groups).toHaveLength(1);
            for (const g of groups) {
                expect(str(g.inputs.kmsKeyId)).toMatch(/^arn:aws:kms:us-east-1:111122223333:key\//);
                expect(g.inputs.retentionInDays as number).toBeGreaterThanOrEqual(365);
            }
        }
        for (const id of vendorIds()) {
            // The archive key, not the vendor key: the seal disables the vendor key and the logs must stay exportable.
            expect(one(plans[id], "aws:cloudwatch/logGroup:LogGroup", "-workload-logs").inputs).toMatchObject({
                kmsKeyId: mockSecurityOutputs(securitySpec).archiveKeyArn,
                retentionInDays: specs[id].logRetentionDays,
            });
        }
    });

    it("CIS 4.4/4.5/4.7/4.8/4.10-4.14 (rule 33): metric filters on the account trail's log group with an alarm each, to the encrypted topic", () => {
        const logGroup = one(security, "aws:cloudwatch/logGroup:LogGroup", "-trail-logs");
        const topic = one(security, "aws:sns/topic:Topic", "-alarms");
        expect(topic.inputs.kmsMasterKeyId).toBe(one(security, "aws:kms/key:Key", "-alarm-key").outputs.arn);
        const filters = ofType(security, "aws:cloudwatch/logMetricFilter:LogMetricFilter");
        const alarms = ofType(security, "aws:cloudwatch/metricAlarm:MetricAlarm");
        expect(filters).toHaveLength(
            alarmFilters({ accountId: "", archiveKeyArn: "", alarmKeyArn: "", archiveBucketName: "", accessLogBucketName: "", deployerRoleArn: "" }).length,
        );
        const patterns = filters.map((f) => str(f.inputs.pattern)).join("\n");
        for (const event of [
            "PutRolePolicy",
            "AttachRolePolicy",
            "CreatePolicyVersion",
            "DisableKey",
            "ScheduleKeyDeletion",
            "PutBucketPolicy",
            "DeleteBucketPolicy",
            "AuthorizeSecurityGroupIngress",
            "CreateRoute",
            "CreateInternetGateway",
            "ModifyVpcAttribute",
            "StopLogging",
            "DeleteTrail",
        ]) {
            expect(patterns).toContain(`($.eventName=${event})`);
        }
        for (const f of filters) {
            expect(f.inputs.logGroupName).toBe(logGroup.inputs.name);
            const metric = (f.inputs.metricTransformation as { name: string; namespace: string }).name;
            const alarm = alarms.find((a) => a.inputs.metricName === metric);
            expect(alarm, metric).toBeDefined();
            expect(alarm!.inputs).toMatchObject({
                namespace: "Enclave/Security",
                threshold: 1,
                comparisonOperator: "GreaterThanOrEqualToThreshold",
                alarmActions: [topic.outputs.arn],
            });
        }
    });
});

describe("evidence administered apart (rules 39, 40)", () => {
    it("never both administrators locked out: every tamper deny on the archive and alarm keys, buckets and topic exempts exactly the administrators the key policy grants, break-glass among them", () => {
        const admins = [securitySpec.archiveAdminRoleArn, securitySpec.breakGlassRoleArn];
        expect(admins).toContain(securitySpec.breakGlassRoleArn);
        expect(admins).not.toContain(securitySpec.deployerRoleArn);
        for (const name of ["-archive-key", "-alarm-key"]) {
            const d = doc(one(security, "aws:kms/key:Key", name));
            expect(sid(d, "KeyAdministrationByRoleArn").Condition).toEqual({ ArnEquals: { "aws:PrincipalArn": admins } });
            expect(sid(d, "DenyKeyTamperingToOthers")).toMatchObject({
                Effect: "Deny",
                Principal: "*",
                Condition: { StringNotEquals: { "aws:PrincipalArn": admins } },
            });
            // The deny never names a role as Principal (a deleted role would otherwise block every later key-policy write).
            for (const st of d.Statement.filter((x) => x.Effect === "Deny")) expect(st.Principal).toBe("*");
        }
        for (const name of ["-archive-policy", "-access-logs-policy"]) {
            const d = doc(one(security, "aws:s3/bucketPolicy:BucketPolicy", name));
            expect(sid(d, "DenyArchiveReconfiguration").Condition).toEqual({ StringNotEquals: { "aws:PrincipalArn": admins } });
            expect(sid(d, "DenyLogDeletion").Condition).toEqual({ StringNotEqualsIfExists: { "aws:PrincipalArn": admins } });
        }
        expect(sid(doc(one(security, "aws:sns/topicPolicy:TopicPolicy", "-alarms-policy")), "DenyTopicTamperingToOthers").Condition).toEqual({
            StringNotEquals: { "aws:PrincipalArn": admins },
        });
    });

    it("the alarm path has its own key and at least one subscription", () => {
        const alarmKey = one(security, "aws:kms/key:Key", "-alarm-key").outputs.arn;
        expect(alarmKey).not.toBe(one(security, "aws:kms/key:Key", "-archive-key").outputs.arn);
        expect(one(security, "aws:sns/topic:Topic", "-alarms").inputs.kmsMasterKeyId).toBe(alarmKey);
        expect(one(security, "aws:cloudwatch/logGroup:LogGroup", "-trail-logs").inputs.kmsKeyId).toBe(alarmKey);
        expect(ofType(security, "aws:sns/topicSubscription:TopicSubscription").length).toBe(securitySpec.alarms.subscriptions.length);
        expect(securitySpec.alarms.subscriptions.length).toBeGreaterThan(0);
    });
});

describe("protection, seal and names", () => {
    const STATEFUL = /^aws:(s3\/bucket|kms\/key|cloudwatch\/logGroup)/;

    it("rule 36: the security stack's stateful resources are protect + retainOnDelete; every other AWS resource there is protected", () => {
        const stateful = security.resources.filter((r) => STATEFUL.test(r.type));
        // 2 buckets with their 14 side resources, the archive and alarm keys, the trail log group.
        expect(stateful).toHaveLength(2 + 14 + 2 + 1);
        for (const r of stateful) expect([r.name, r.protect, r.retainOnDelete]).toEqual([r.name, true, true]);
        for (const r of security.resources.filter(isAwsResource)) expect(r.protect, r.name).toBe(true);
    });

    it("rule 36: nothing in a vendor stack is protected or retained, so a breach teardown can remove it", () => {
        for (const id of vendorIds()) {
            for (const r of plans[id].resources) expect([r.name, r.protect, r.retainOnDelete]).toEqual([r.name, false, false]);
        }
    });

    it("(design) child names derive from stable keys: reversing the datasets gives identical URNs", () => {
        const urns = (p: Plan) => p.resources.map((r) => r.urn).sort();
        expect(urns(reordered)).toEqual(urns(plans["acme-labeling"]));
        // Names carry the dataset and AZ keys, never a list position.
        for (const r of plans["acme-labeling"].resources) expect(r.name, r.urn).not.toMatch(/-\d+(-|$)/);
        expect(new Set(urns(plans["acme-labeling"])).size).toBe(plans["acme-labeling"].resources.length);
    });

    it("rule 35: sealing is an in-place change plus the two seal policies: same URNs otherwise and physical names, key disabled", () => {
        const byUrn = new Map(plans.evalcorp.resources.map((r) => [r.urn, r]));
        const added = sealed.resources.filter((r) => !byUrn.has(r.urn));
        expect(added.map((r) => r.name)).toEqual(["evalcorp-access-vendor-seal", "evalcorp-access-workload-seal"]);
        expect(sealed.resources.filter((r) => byUrn.has(r.urn)).map((r) => r.urn)).toEqual(plans.evalcorp.resources.map((r) => r.urn));
        for (const r of sealed.resources.filter((x) => byUrn.has(x.urn))) {
            for (const k of ["name", "bucket", "cidrBlock", "serviceName", "vpcId"]) expect(r.inputs[k], `${r.name}.${k}`).toEqual(byUrn.get(r.urn)!.inputs[k]);
        }
        expect(keyOf("evalcorp").inputs.isEnabled).toBe(true);
        expect(one(sealed, "aws:kms/key:Key", "-key-key").inputs.isEnabled).toBe(false);
    });

    it("rule 34: the sealed plan carries every seal statement in the rendered documents", () => {
        const seals = (r: PlanResource, field = "policy") =>
            doc(r, field)
                .Statement.filter((s) => s.Sid.startsWith("Seal"))
                .map((s) => s.Sid);
        const rolePolicies = ofType(sealed, "aws:iam/rolePolicy:RolePolicy");
        const byName = [...rolePolicies].sort((x, y) => x.name.localeCompare(y.name));
        expect(byName.map((rp) => [rp.inputs.role, rp.inputs.name, seals(rp)])).toEqual([
            ["enclave-evalcorp-vendor", "enclave-access", []],
            ["enclave-evalcorp-vendor", "enclave-seal", ["SealDenyAll", "SealRevokeOlderSessions"]],
            ["enclave-evalcorp-workload", "enclave-access", []],
            ["enclave-evalcorp-workload", "enclave-seal", ["SealDenyAll", "SealRevokeOlderSessions"]],
        ]);
        for (const rp of rolePolicies.filter((x) => x.inputs.name === "enclave-seal")) {
            expect(sid(doc(rp), "SealRevokeOlderSessions").Condition).toEqual({ DateLessThan: { "aws:TokenIssueTime": SEALED_AT } });
        }
        for (const role of ofType(sealed, "aws:iam/role:Role")) expect(seals(role, "assumeRolePolicy")).toEqual(["SealDenyAssumeRole"]);
        for (const bp of ofType(sealed, "aws:s3/bucketPolicy:BucketPolicy")) expect(seals(bp)).toEqual(["SealDenyVendor"]);
        expect(seals(one(sealed, "aws:kms/key:Key", "-key-key"))).toEqual(["SealDenyVendor"]);
        const endpoints = ofType(sealed, "aws:ec2/vpcEndpoint:VpcEndpoint");
        expect(endpoints.map((e) => e.name).sort()).toEqual(["evalcorp-network-kms-endpoint", "evalcorp-network-s3-endpoint", "evalcorp-network-sts-endpoint"]);
        for (const e of endpoints) expect([e.name, seals(e)]).toEqual([e.name, ["SealDenyVendor"]]);
        expect(sealed.outputs).toMatchObject({ sealed: true, sealedAt: SEALED_AT });
        for (const p of Object.values(plans)) expect(JSON.stringify(p)).not.toContain('"Sid\\":\\"Seal');
    });

    it("no plan renders 'undefined' into an input (every ARN the documents name was mocked; an un-mocked invoke fails the run)", () => {
        for (const p of [...allPlans(), sealed, reordered]) expect(JSON.stringify(p.resources.map((r) => r.inputs))).not.toContain("undefined");
    });
});
