import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Plan, PlanResource } from "../plan/types";
import { checkPlan, type Violation } from "../guardrails/offline";
import { ALL_POLICIES } from "../guardrails/rules";
import { ACME, BREAK_GLASS_ROLE_ARN, DEPLOYER_ROLE_ARN, EVALCORP, LAB_ACCOUNT, fixturePlan, sealedFixturePlan, securityFixturePlan } from "./support/fixtures";
import { organizationFixturePlan } from "./support/orgFacts";
import { forbiddenS3Actions } from "../guardrails/rules/s3Destructive";

// Each policy of the pack (guardrails/rules) runs here through the offline harness (guardrails/offline.ts), the same functions
// `pulumi preview --policy-pack policy` calls. Compliant cases: the fixture vendors' real plans (and a sealed one).
// Non-compliant cases: one real plan with one planted defect. What this cannot prove: how the Pulumi engine fills the
// arguments at a real preview (unknown values, engine-recorded property dependencies), nor AWS's own evaluation.

const plans: Record<"acme" | "evalcorp" | "security" | "sealed" | "organization", Plan> = {} as never;
/** The catalogue's forbidden object-level S3 actions, as the no-delete policy lists them for `s3:*` on objects. */
let forbiddenOnObjects = "";

beforeAll(async () => {
    forbiddenOnObjects = (await forbiddenS3Actions())
        .filter((f) => f.resourceTypes.includes("object"))
        .map((f) => f.action)
        .join(", ");
    plans.acme = await fixturePlan(ACME);
    plans.evalcorp = await fixturePlan(EVALCORP);
    plans.security = await securityFixturePlan();
    plans.sealed = await sealedFixturePlan(ACME);
    plans.organization = await organizationFixturePlan();
    ACME_KEY = plans.acme.resources.find((r) => r.type === "aws:kms/key:Key")!.outputs.arn as string;
});

type Json = Record<string, unknown>;
const res = (p: Plan, name: string): PlanResource => {
    const r = p.resources.find((x) => x.name === name);
    if (!r) throw new Error(`no resource ${name} in ${p.stack}`);
    return r;
};
/** Sets an input the way the program would have passed it; the mocked state (outputs) follows the inputs. */
const set = (r: PlanResource, key: string, value: unknown) => {
    for (const bag of [r.inputs, r.outputs]) {
        if (value === undefined) delete bag[key];
        else bag[key] = value;
    }
};
const editDoc = (r: PlanResource, key: string, edit: (doc: { Statement: Json[] }) => void) => {
    const doc = JSON.parse(r.inputs[key] as string);
    edit(doc);
    set(r, key, JSON.stringify(doc));
};
const dropSid = (sid: string) => (d: { Statement: Json[] }) => {
    const before = d.Statement.length;
    d.Statement = d.Statement.filter((s) => s.Sid !== sid);
    if (d.Statement.length !== before - 1) throw new Error(`no statement ${sid}`);
};
const add = (p: Plan, type: string, name: string, inputs: Json, id: string) => {
    const stack = p.resources.find((r) => r.type === "pulumi:pulumi:Stack")!.urn;
    p.resources.push({
        urn: `urn:pulumi:${p.stack}::vendor-enclaves::${type}::${name}`,
        type,
        name,
        parent: stack,
        custom: true,
        protect: false,
        retainOnDelete: false,
        inputs,
        outputs: { ...inputs, id },
    });
};
const urnOf = (p: Plan, name: string) => res(p, name).urn;
const brief = (v: Violation[]) => v.map((x) => ({ policy: x.policy, urn: x.urn, message: x.message }));

interface Case {
    policy: string;
    /** A public rule ID the policy must carry. */
    ruleId: string;
    what: string;
    plan: keyof typeof plans;
    mutate: (p: Plan) => void;
    /** Exactly the violations expected (every policy's), as [resource name, message] of `policy` unless given. */
    expected: (p: Plan) => { policy?: string; name: string; message: string }[];
}

const A = ACME;
const ACME_GUIDELINES = "acme-labeling--guidelines--111122223333";
/** The vendor key's ARN as the mocks derive it (read from the plan, not restated). */
let ACME_KEY = "";
const DEPLOYER = DEPLOYER_ROLE_ARN;
const BREAK_GLASS = BREAK_GLASS_ROLE_ARN;

const CASES: Case[] = [
    {
        policy: "s3-public-access-block-all-flags",
        ruleId: "FSBP S3.8",
        what: "a public access block flag opened",
        plan: "acme",
        mutate: (p) => set(res(p, `${A}-guidelines-public-access-block`), "blockPublicPolicy", false),
        expected: () => [
            { name: `${A}-guidelines-public-access-block`, message: "blockPublicPolicy is false: all four public access block flags must be true" },
        ],
    },
    {
        policy: "s3-bucket-has-baseline-companions",
        ruleId: "CIS 2.1.4",
        what: "a bucket without its public access block",
        plan: "acme",
        mutate: (p) => (p.resources = p.resources.filter((r) => r.name !== `${A}-guidelines-public-access-block`)),
        expected: () => [{ name: `${A}-guidelines-bucket`, message: `bucket ${ACME_GUIDELINES} has 0 BucketPublicAccessBlock resources (expected exactly 1)` }],
    },
    {
        policy: "s3-bucket-policy-denies-insecure-transport",
        ruleId: "FSBP S3.5",
        what: "the TLS deny removed",
        plan: "acme",
        mutate: (p) => editDoc(res(p, `${A}-guidelines-policy`), "policy", dropSid("DenyInsecureTransport")),
        expected: () => [
            {
                name: `${A}-guidelines-policy`,
                message: `policy has no Deny of s3:* on arn:aws:s3:::${ACME_GUIDELINES} and arn:aws:s3:::${ACME_GUIDELINES}/* for aws:SecureTransport = false`,
            },
        ],
    },
    {
        policy: "s3-bucket-policy-denies-insecure-transport",
        ruleId: "FSBP S3.5",
        what: "the TLS deny covering the bucket ARN but not its objects",
        plan: "acme",
        mutate: (p) =>
            editDoc(res(p, `${A}-guidelines-policy`), "policy", (d) => {
                d.Statement.find((s) => s.Sid === "DenyInsecureTransport")!.Resource = `arn:aws:s3:::${ACME_GUIDELINES}`;
            }),
        expected: () => [
            {
                name: `${A}-guidelines-policy`,
                message: `policy has no Deny of s3:* on arn:aws:s3:::${ACME_GUIDELINES} and arn:aws:s3:::${ACME_GUIDELINES}/* for aws:SecureTransport = false`,
            },
        ],
    },
    {
        policy: "s3-bucket-policy-no-public-or-cross-account-allow",
        ruleId: "FSBP S3.6",
        what: "a cross-account grant and an Allow to *",
        plan: "acme",
        mutate: (p) =>
            editDoc(res(p, `${A}-guidelines-policy`), "policy", (d) => {
                d.Statement.push({
                    Sid: "Partner",
                    Effect: "Allow",
                    Principal: { AWS: "arn:aws:iam::999988887777:role/partner" },
                    Action: "s3:GetObject",
                    Resource: `arn:aws:s3:::${ACME_GUIDELINES}/*`,
                });
                d.Statement.push({ Sid: "Anyone", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${ACME_GUIDELINES}/*` });
            }),
        expected: () => [
            {
                name: `${A}-guidelines-policy`,
                message: 'policy statement "Partner" grants arn:aws:iam::999988887777:role/partner, outside the stack\'s account 111122223333',
            },
            { name: `${A}-guidelines-policy`, message: 'policy statement "Anyone" allows Principal "*"' },
        ],
    },
    {
        policy: "s3-bucket-policy-no-public-or-cross-account-allow",
        ruleId: "CKV_AWS_70",
        what: "a service principal without aws:SourceAccount",
        plan: "security",
        mutate: (p) =>
            editDoc(res(p, "security-access-logs-policy"), "policy", (d) => {
                delete d.Statement.find((s) => s.Sid === "S3ServerAccessLogsArchive")!.Condition;
            }),
        expected: () => [
            {
                name: "security-access-logs-policy",
                message:
                    'policy statement "S3ServerAccessLogsArchive" allows service logging.s3.amazonaws.com without an aws:SourceAccount or aws:SourceArn condition',
            },
            {
                policy: "s3-access-logs-own-account-and-guarded",
                name: "security-access-logs-policy",
                message: `policy of enclave-access-logs-${LAB_ACCOUNT}-us-east-1: statement S3ServerAccessLogsArchive admits the logging service without aws:SourceAccount ${LAB_ACCOUNT}`,
            },
        ],
    },
    {
        policy: "s3-bucket-owner-enforced-no-acls",
        ruleId: "FSBP S3.12",
        what: "ownership relaxed and an ACL resource added",
        plan: "acme",
        mutate: (p) => {
            set(res(p, `${A}-guidelines-ownership`), "rule", { objectOwnership: "BucketOwnerPreferred" });
            add(p, "aws:s3/bucketAcl:BucketAcl", "guidelines-acl", { bucket: ACME_GUIDELINES, acl: "public-read" }, ACME_GUIDELINES);
        },
        expected: () => [
            { name: `${A}-guidelines-ownership`, message: 'rule.objectOwnership is "BucketOwnerPreferred", not "BucketOwnerEnforced"' },
            { name: "guidelines-acl", message: "aws:s3/bucketAcl:BucketAcl sets a bucket ACL; ACLs are disabled by BucketOwnerEnforced" },
        ],
    },
    {
        policy: "s3-sse-kms-full-key-arn",
        ruleId: "FSBP S3.17",
        what: "the key named by alias",
        plan: "acme",
        mutate: (p) =>
            set(res(p, `${A}-guidelines-encryption`), "rules", [
                { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: "alias/enclave/acme-labeling" } },
            ]),
        expected: () => [
            {
                name: `${A}-guidelines-encryption`,
                message: 'rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId is "alias/enclave/acme-labeling", not a full KMS key ARN',
            },
            {
                policy: "s3-encryption-placement",
                name: `${A}-guidelines-encryption`,
                message: `bucket ${ACME_GUIDELINES} is encrypted with alias/enclave/acme-labeling, not a KMS key of this stack`,
            },
            {
                policy: "s3-data-bucket-policy-perimeter",
                name: `${A}-guidelines-policy`,
                message: `policy of ${ACME_GUIDELINES} does not deny PutObject with a KMS key other than alias/enclave/acme-labeling`,
            },
        ],
    },
    {
        policy: "s3-encryption-placement",
        ruleId: "CKV_AWS_145",
        what: "a data bucket on SSE-S3",
        plan: "acme",
        mutate: (p) => set(res(p, `${A}-guidelines-encryption`), "rules", [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]),
        expected: () => [
            {
                name: `${A}-guidelines-encryption`,
                message: `bucket ${ACME_GUIDELINES} uses SSE-S3 (AES256) but is not an access-log target: use SSE-KMS with the stack's key`,
            },
        ],
    },
    {
        policy: "s3-versioning-enabled",
        ruleId: "FSBP S3.14",
        what: "versioning suspended",
        plan: "acme",
        mutate: (p) => set(res(p, `${A}-guidelines-versioning`), "versioningConfiguration", { status: "Suspended" }),
        expected: () => [{ name: `${A}-guidelines-versioning`, message: 'versioningConfiguration.status is "Suspended", not "Enabled"' }],
    },
    {
        policy: "s3-access-logging-separate-target",
        ruleId: "FSBP S3.9",
        what: "a bucket logging into itself",
        plan: "acme",
        mutate: (p) => set(res(p, `${A}-guidelines-access-logging`), "targetBucket", ACME_GUIDELINES),
        expected: () => [
            { name: `${A}-guidelines-access-logging`, message: `targetBucket is the bucket itself (${ACME_GUIDELINES})` },
            // It also becomes an access-log target, which AWS requires to be SSE-S3.
            {
                policy: "s3-encryption-placement",
                name: `${A}-guidelines-encryption`,
                message: `bucket ${ACME_GUIDELINES} is an access-log target but uses SSE-KMS: S3 server access logging requires SSE-S3`,
            },
        ],
    },
    {
        policy: "s3-access-logs-own-account-and-guarded",
        ruleId: "FSBP S3.9",
        what: "a dataset bucket logging to an access-log bucket of another account (S3 would refuse it)",
        plan: "acme",
        mutate: (p) => set(res(p, `${A}-guidelines-access-logging`), "targetBucket", "enclave-access-logs-999988887777-us-east-1"),
        expected: () => [
            {
                name: `${A}-guidelines-access-logging`,
                message: `${A}-guidelines-access-logging logs to enclave-access-logs-999988887777-us-east-1, a bucket of account 999988887777, not this stack's account ${LAB_ACCOUNT}: S3 delivers access logs only within an account`,
            },
        ],
    },
    {
        policy: "s3-lifecycle-abort-and-noncurrent-expiry",
        ruleId: "FSBP S3.13",
        what: "the abort-multipart rule removed",
        plan: "acme",
        mutate: (p) => {
            const r = res(p, `${A}-guidelines-lifecycle`);
            set(
                r,
                "rules",
                (r.inputs.rules as Json[]).filter((x) => x.id !== "abort-incomplete-multipart-uploads"),
            );
        },
        expected: () => [{ name: `${A}-guidelines-lifecycle`, message: "no enabled rule sets abortIncompleteMultipartUpload.daysAfterInitiation" }],
    },
    {
        policy: "s3-object-lock-default-retention",
        ruleId: "FSBP S3.15",
        what: "the archive's default retention removed",
        plan: "security",
        mutate: (p) => set(res(p, "security-archive-object-lock"), "rule", undefined),
        expected: () => [{ name: "security-archive-object-lock", message: "rule.defaultRetention has no mode and positive days/years" }],
    },
    {
        policy: "s3-object-lock-archive-only",
        ruleId: "CKV_AWS_143",
        what: "Object Lock off on the archive",
        plan: "security",
        mutate: (p) => set(res(p, "security-archive-bucket"), "objectLockEnabled", undefined),
        expected: () => [
            {
                name: "security-archive-bucket",
                message: "trail enclave-account-trail delivers to bucket enclave-log-archive-111122223333-us-east-1, which has no Object Lock",
            },
        ],
    },
    {
        policy: "s3-data-bucket-policy-perimeter",
        ruleId: "CKV_AWS_93",
        what: "the key pinning and the perimeter removed, and a Deny that locks out the deployer",
        plan: "acme",
        mutate: (p) =>
            editDoc(res(p, `${A}-guidelines-policy`), "policy", (d) => {
                dropSid("DenyOtherKmsKeys")(d);
                dropSid("DenyOutsideNetworkPerimeter")(d);
                d.Statement.push({
                    Sid: "FreezeAll",
                    Effect: "Deny",
                    Principal: "*",
                    Action: ["s3:DeleteBucket", "s3:PutBucketPolicy"],
                    Resource: `arn:aws:s3:::${ACME_GUIDELINES}`,
                });
            }),
        expected: (p) => [
            { name: `${A}-guidelines-policy`, message: `policy of ${ACME_GUIDELINES} does not deny PutObject with a KMS key other than ${ACME_KEY}` },
            {
                name: `${A}-guidelines-policy`,
                message: `policy of ${ACME_GUIDELINES} has no Deny of s3:* unless aws:SourceVpce is this stack's S3 endpoint (${res(p, `${A}-network-s3-endpoint`).outputs.id})`,
            },
            {
                name: `${A}-guidelines-policy`,
                message: `policy of ${ACME_GUIDELINES} denies the deployer s3:PutBucketPolicy (FreezeAll): seal and destroy would fail`,
            },
            {
                name: `${A}-guidelines-policy`,
                message: `policy of ${ACME_GUIDELINES} denies the deployer s3:DeleteBucket (FreezeAll): seal and destroy would fail`,
            },
        ],
    },
    {
        policy: "s3-data-bucket-policy-perimeter",
        ruleId: "DataPerimeter-S3-SourceVpce",
        what: "the network perimeter no longer exempting the deployer and break-glass roles",
        plan: "acme",
        mutate: (p) =>
            editDoc(res(p, `${A}-guidelines-policy`), "policy", (d) => {
                const c = d.Statement.find((s) => s.Sid === "DenyOutsideNetworkPerimeter")!.Condition as {
                    StringNotEqualsIfExists: { "aws:PrincipalArn": string[] };
                };
                expect(c.StringNotEqualsIfExists["aws:PrincipalArn"]).toEqual([DEPLOYER, BREAK_GLASS]);
                // The dummy keeps the condition (a Deny with no exemption at all would be a different shape).
                c.StringNotEqualsIfExists["aws:PrincipalArn"] = ["arn:aws:iam::111122223333:role/someone-else"];
            }),
        expected: () => [
            ...[
                ["deployer", DEPLOYER],
                ["break-glass", BREAK_GLASS],
            ].map(([role, arn]) => ({
                name: `${A}-guidelines-policy`,
                message: `policy of ${ACME_GUIDELINES}: the network-perimeter Deny does not exempt the ${role} role ${arn} by aws:PrincipalArn`,
            })),
            // Without its exemption, the perimeter Deny also locks the deployer out (it works from outside the VPC).
            ...["s3:PutBucketPolicy", "s3:DeleteBucket", "s3:DeleteObjectVersion"].map((a) => ({
                name: `${A}-guidelines-policy`,
                message: `policy of ${ACME_GUIDELINES} denies the deployer ${a} (DenyOutsideNetworkPerimeter): seal and destroy would fail`,
            })),
        ],
    },
    {
        policy: "kms-key-rotation-enabled",
        ruleId: "FSBP KMS.4",
        what: "rotation turned off",
        plan: "acme",
        mutate: (p) => set(res(p, `${A}-key-key`), "enableKeyRotation", false),
        expected: () => [{ name: `${A}-key-key`, message: "enableKeyRotation is false, not true" }],
    },
    {
        policy: "kms-key-rotation-enabled",
        ruleId: "FSBP KMS.4",
        what: "rotation left unset (AWS's default is off)",
        plan: "acme",
        mutate: (p) => set(res(p, `${A}-key-key`), "enableKeyRotation", undefined),
        expected: () => [{ name: `${A}-key-key`, message: "enableKeyRotation is null, not true" }],
    },
    {
        policy: "kms-key-deletion-window-and-enabled",
        ruleId: "FSBP KMS.3",
        what: "a 3-day window and a disabled key without a seal",
        plan: "acme",
        mutate: (p) => {
            set(res(p, `${A}-key-key`), "deletionWindowInDays", 3);
            set(res(p, `${A}-key-key`), "isEnabled", false);
        },
        expected: (p) => [
            { name: `${A}-key-key`, message: "deletionWindowInDays is 3: set it explicitly to 7-30" },
            { name: `${A}-key-key`, message: "isEnabled is false but the key policy has no seal Deny: a disabled key is only expected while sealed" },
            // A disabled key reads as a (half) seal: every other seal statement is reported missing, kind by kind.
            ...["vendor", "workload"].flatMap((r) => [
                {
                    policy: "seal-cuts-every-path",
                    name: `${A}-identity-${r}-role`,
                    message: `${A}-identity-${r}-role has no role policy with an unconditioned Deny of everything while the stack is sealed`,
                },
                {
                    policy: "seal-cuts-every-path",
                    name: `${A}-identity-${r}-role`,
                    message: `${A}-identity-${r}-role has no role policy with a Deny conditioned on aws:TokenIssueTime (revoke older sessions)`,
                },
            ]),
            ...["vendor", "workload"].map((r) => ({
                policy: "seal-cuts-every-path",
                name: `${A}-identity-${r}-role`,
                message: `${A}-identity-${r}-role trust policy does not deny sts:AssumeRole while sealed`,
            })),
            { policy: "seal-cuts-every-path", name: `${A}-key-key`, message: `${A}-key-key key policy has no Deny for the vendor roles while sealed` },
            ...p.resources
                .filter((r) => r.type === "aws:s3/bucketPolicy:BucketPolicy" || r.type === "aws:ec2/vpcEndpoint:VpcEndpoint")
                .map((r) => ({ policy: "seal-cuts-every-path", name: r.name, message: `${r.name} policy has no Deny for the vendor roles while sealed` })),
            {
                policy: "seal-cuts-every-path",
                name: `${A}-network-dns-allow-aws`,
                message: `${A}-network-dns-allow-aws is ALLOW, not BLOCK, while sealed: the VPC still resolves names`,
            },
        ],
    },
    {
        policy: "policy-principal-and-principal-arn-accounts-agree",
        ruleId: "Invariant-13",
        what: "key administration under this account's principal pinned to another account's deployer (no request can match: nobody could seal the key)",
        plan: "acme",
        mutate: (p) =>
            editDoc(res(p, `${A}-key-key`), "policy", (d) => {
                const s = d.Statement.find((x) => x.Sid === "KeyAdministrationByRoleArn") as { Condition: { ArnEquals: Record<string, string[]> } };
                s.Condition.ArnEquals["aws:PrincipalArn"] = ["arn:aws:iam::210987654321:role/enclave-deployer", BREAK_GLASS_ROLE_ARN];
            }),
        expected: () => [
            {
                name: `${A}-key-key`,
                message: `key policy statement "KeyAdministrationByRoleArn": Principal is account ${LAB_ACCOUNT} but its condition names arn:aws:iam::210987654321:role/enclave-deployer in account 210987654321: no request can match it`,
            },
        ],
    },
    {
        policy: "kms-key-policy-explicit-and-scoped",
        ruleId: "FSBP KMS.5",
        what: "a vendor key naming the break-glass role as Principal (KMS would refuse the seal's write while that role is missing)",
        plan: "acme",
        mutate: (p) =>
            editDoc(res(p, `${A}-key-key`), "policy", (d) => {
                const s = d.Statement.find((x) => x.Sid === "BreakGlassReadViaS3") as { Principal: unknown };
                s.Principal = { AWS: "arn:aws:iam::111122223333:role/enclave-break-glass" };
            }),
        expected: () => [
            {
                name: `${A}-key-key`,
                message:
                    'policy statement "BreakGlassReadViaS3" names arn:aws:iam::111122223333:role/enclave-break-glass as Principal: name the account and pin the role with an aws:PrincipalArn condition',
            },
        ],
    },
    {
        policy: "kms-key-policy-explicit-and-scoped",
        ruleId: "FSBP KMS.5",
        what: "an Allow to * and an unconditioned service grant",
        plan: "acme",
        mutate: (p) =>
            editDoc(res(p, `${A}-key-key`), "policy", (d) => {
                delete d.Statement.find((s) => s.Sid === "CloudWatchLogsForWorkloadLogGroup")!.Condition;
                d.Statement.push({ Sid: "Everyone", Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*" });
                // The admin statement by role ARN loses its condition: the default "enable IAM policies" grant.
                delete d.Statement.find((s) => s.Sid === "KeyAdministrationByRoleArn")!.Condition;
            }),
        expected: () => [
            {
                name: `${A}-key-key`,
                message:
                    'policy statement "KeyAdministrationByRoleArn" allows the account arn:aws:iam::111122223333:root without an aws:PrincipalArn condition naming exact roles: every IAM policy of the account could use the key',
            },
            {
                name: `${A}-key-key`,
                message:
                    'policy statement "CloudWatchLogsForWorkloadLogGroup" allows logs.us-east-1.amazonaws.com without an encryption-context or aws:SourceAccount/aws:SourceArn condition',
            },
            { name: `${A}-key-key`, message: 'policy statement "Everyone" allows Principal "*" without an account condition' },
        ],
    },
    {
        policy: "kms-one-key-per-vendor",
        ruleId: "FSBP KMS.2",
        what: "the vendor role using another key",
        plan: "acme",
        mutate: (p) =>
            editDoc(res(p, `${A}-access-vendor-policy`), "policy", (d) => {
                d.Statement.find((s) => s.Sid === "UseVendorKeyViaS3")!.Resource = "arn:aws:kms:us-east-1:111122223333:key/other";
            }),
        expected: () => [
            {
                name: `${A}-access-vendor-policy`,
                message: `policy statement "UseVendorKeyViaS3" grants KMS use on arn:aws:kms:us-east-1:111122223333:key/other, not this vendor's key ${ACME_KEY}`,
            },
        ],
    },
    {
        policy: "kms-one-key-per-vendor",
        ruleId: "FSBP KMS.2",
        what: "key/* without the vendor tag condition (boundary) or pinned to another vendor's tag (vendor role)",
        plan: "acme",
        mutate: (p) => {
            editDoc(res(p, `${A}-identity-boundary`), "policy", (d) => {
                const s = d.Statement.find((x) => x.Sid === "UseVendorKeyViaS3")!;
                if (s.Resource !== "arn:aws:kms:us-east-1:111122223333:key/*") throw new Error("the boundary no longer uses key/*");
                delete (s.Condition as { StringEquals: Json }).StringEquals["aws:ResourceTag/enclave:vendor"];
            });
            editDoc(res(p, `${A}-access-vendor-policy`), "policy", (d) => {
                const s = d.Statement.find((x) => x.Sid === "UseVendorKeyViaS3")!;
                s.Resource = "arn:aws:kms:us-east-1:111122223333:key/*";
                (s.Condition as { StringEquals: Json }).StringEquals["aws:ResourceTag/enclave:vendor"] = "evalcorp";
            });
        },
        expected: () => [
            {
                name: `${A}-access-vendor-policy`,
                message: `policy statement "UseVendorKeyViaS3" grants KMS use on arn:aws:kms:us-east-1:111122223333:key/*, not this vendor's key ${ACME_KEY}`,
            },
            {
                name: `${A}-identity-boundary`,
                message: `policy statement "UseVendorKeyViaS3" grants KMS use on arn:aws:kms:us-east-1:111122223333:key/*, not this vendor's key ${ACME_KEY}`,
            },
        ],
    },
    {
        policy: "ec2-default-security-group-closed",
        ruleId: "FSBP EC2.2",
        what: "an ingress rule on the default group",
        plan: "acme",
        mutate: (p) => set(res(p, `${A}-network-default-sg`), "ingress", [{ protocol: "-1", fromPort: 0, toPort: 0, self: true }]),
        expected: () => [{ name: `${A}-network-default-sg`, message: "ingress has 1 rule(s); the default security group must have none" }],
    },
    {
        policy: "ec2-flow-log-all-traffic",
        ruleId: "CIS 3.7",
        what: "flow logs of rejected traffic only",
        plan: "acme",
        mutate: (p) => set(res(p, `${A}-network-flow-log`), "trafficType", "REJECT"),
        expected: (p) =>
            [
                { name: `${A}-network-flow-log`, message: 'trafficType is "REJECT", not "ALL"' },
                {
                    policy: "ec2-vpc-has-flow-log-and-closed-default-sg",
                    name: `${A}-network-vpc`,
                    message: `VPC ${A}-network-vpc has no FlowLog with trafficType ALL`,
                },
            ].map((e) => ({ ...e, name: e.name && res(p, e.name).name })),
    },
    {
        policy: "ec2-vpc-has-flow-log-and-closed-default-sg",
        ruleId: "FSBP EC2.6",
        what: "a VPC without flow log and default group",
        plan: "acme",
        mutate: (p) => (p.resources = p.resources.filter((r) => r.name !== `${A}-network-flow-log` && r.name !== `${A}-network-default-sg`)),
        expected: () => [
            { name: `${A}-network-vpc`, message: `VPC ${A}-network-vpc has no FlowLog with trafficType ALL` },
            { name: `${A}-network-vpc`, message: `VPC ${A}-network-vpc has no DefaultSecurityGroup resource (its default group keeps AWS's rules)` },
        ],
    },
    {
        policy: "ec2-no-internet-path",
        ruleId: "NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW",
        what: "an internet gateway and a default route to it",
        plan: "acme",
        mutate: (p) => {
            add(p, "aws:ec2/internetGateway:InternetGateway", "igw", { vpcId: res(p, `${A}-network-vpc`).outputs.id }, "igw-0123456789abcdef0");
            add(
                p,
                "aws:ec2/route:Route",
                "default-route",
                { routeTableId: res(p, `${A}-network-private-rt`).outputs.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: "igw-0123456789abcdef0" },
                "r-1",
            );
        },
        expected: () => [
            { name: "igw", message: "aws:ec2/internetGateway:InternetGateway gives the enclave a path to the internet" },
            { name: "default-route", message: "destinationCidrBlock is 0.0.0.0/0: no route to 0.0.0.0/0 or ::/0" },
            { name: "default-route", message: "gatewayId is an internet gateway (igw-0123456789abcdef0)" },
        ],
    },
    {
        policy: "ec2-no-internet-path",
        ruleId: "NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW",
        what: "a NAT gateway (no route to it yet)",
        plan: "acme",
        mutate: (p) =>
            add(
                p,
                "aws:ec2/natGateway:NatGateway",
                "nat",
                { subnetId: res(p, `${A}-network-subnet-us-east-1a`).outputs.id, connectivityType: "private" },
                "nat-0123456789abcdef0",
            ),
        expected: () => [{ name: "nat", message: "aws:ec2/natGateway:NatGateway gives the enclave a path to the internet" }],
    },
    {
        policy: "ec2-subnet-no-public-ip",
        ruleId: "FSBP EC2.15",
        what: "a subnet mapping public IPs",
        plan: "acme",
        mutate: (p) => set(res(p, `${A}-network-subnet-us-east-1a`), "mapPublicIpOnLaunch", true),
        expected: () => [{ name: `${A}-network-subnet-us-east-1a`, message: "mapPublicIpOnLaunch is true" }],
    },
    {
        policy: "ec2-security-group-no-open-cidr",
        ruleId: "CKV_AWS_24",
        what: "ingress from 0.0.0.0/0 and egress to ::/0",
        plan: "evalcorp",
        mutate: (p) => {
            const sg = res(p, "evalcorp-network-endpoints-sg");
            set(sg, "ingress", [{ description: "HTTPS from anywhere", protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }]);
            set(sg, "egress", [{ description: "anywhere", protocol: "-1", fromPort: 0, toPort: 0, ipv6CidrBlocks: ["::/0"] }]);
        },
        expected: () => [
            { name: "evalcorp-network-endpoints-sg", message: "ingress[0] admits 0.0.0.0/0" },
            { name: "evalcorp-network-endpoints-sg", message: "egress[0] admits ::/0" },
            {
                policy: "ec2-endpoint-security-group-vpc-https-only",
                name: "evalcorp-network-endpoints-sg",
                message: "evalcorp-network-endpoints-sg ingress[0] admits 0.0.0.0/0, not only the VPC CIDR 10.30.0.0/22",
            },
            {
                policy: "ec2-endpoint-security-group-vpc-https-only",
                name: "evalcorp-network-endpoints-sg",
                message: "evalcorp-network-endpoints-sg has 1 egress rule(s); endpoint groups need none",
            },
        ],
    },
    {
        policy: "ec2-endpoint-security-group-vpc-https-only",
        ruleId: "CIS 5.2",
        what: "SSH instead of HTTPS on the endpoint group",
        plan: "evalcorp",
        mutate: (p) =>
            set(res(p, "evalcorp-network-endpoints-sg"), "ingress", [
                { description: "ssh", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["10.30.0.0/22"] },
            ]),
        expected: () => [{ name: "evalcorp-network-endpoints-sg", message: "evalcorp-network-endpoints-sg ingress[0] is not tcp 443" }],
    },
    {
        policy: "ec2-security-group-descriptions",
        ruleId: "CKV_AWS_23",
        what: "a rule without description",
        plan: "evalcorp",
        mutate: (p) => set(res(p, "evalcorp-network-endpoints-sg"), "ingress", [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.30.0.0/22"] }]),
        expected: () => [{ name: "evalcorp-network-endpoints-sg", message: "ingress[0].description is not set" }],
    },
    {
        policy: "no-mixed-inline-and-separate-rules",
        ruleId: "Invariant-25",
        what: "a rule resource next to inline rules",
        plan: "evalcorp",
        mutate: (p) =>
            add(
                p,
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                "extra-rule",
                {
                    securityGroupId: res(p, "evalcorp-network-endpoints-sg").outputs.id,
                    description: "extra",
                    ipProtocol: "tcp",
                    fromPort: 443,
                    toPort: 443,
                    cidrIpv4: "10.30.0.0/22",
                },
                "sgr-1",
            ),
        expected: () => [
            { name: "evalcorp-network-endpoints-sg", message: "evalcorp-network-endpoints-sg has inline ingress/egress and 1 separate rule resource(s)" },
        ],
    },
    {
        policy: "ec2-vpc-endpoint-explicit-policy",
        ruleId: "DataPerimeter-VPCE-Policy",
        what: "an interface endpoint without a policy",
        plan: "evalcorp",
        mutate: (p) => set(res(p, "evalcorp-network-kms-endpoint"), "policy", undefined),
        expected: () => [{ name: "evalcorp-network-kms-endpoint", message: "policy is not set: the default endpoint policy allows full access" }],
    },
    {
        policy: "ec2-s3-endpoint-own-buckets-only",
        ruleId: "DataPerimeter-VPCE-S3-OwnBuckets",
        what: "the S3 endpoint admitting a foreign bucket",
        plan: "acme",
        mutate: (p) =>
            editDoc(res(p, `${A}-network-s3-endpoint`), "policy", (d) => {
                (d.Statement.find((s) => s.Sid === "GetReadableObjects")!.Resource as string[]).push("arn:aws:s3:::attacker-drop/*");
            }),
        expected: () => [
            {
                name: `${A}-network-s3-endpoint`,
                message: `${A}-network-s3-endpoint policy statement "GetReadableObjects" allows arn:aws:s3:::attacker-drop/*, not a bucket of this stack`,
            },
        ],
    },
    {
        policy: "ec2-endpoint-direct-inputs",
        ruleId: "Invariant-37",
        what: "an interface endpoint with a foreign security group",
        plan: "evalcorp",
        mutate: (p) => set(res(p, "evalcorp-network-sts-endpoint"), "securityGroupIds", ["sg-0f0f0f0f0f0f0f0f0"]),
        expected: () => [
            {
                name: "evalcorp-network-sts-endpoint",
                message: "evalcorp-network-sts-endpoint securityGroupIds includes sg-0f0f0f0f0f0f0f0f0, not a resource of this stack",
            },
        ],
    },
    {
        policy: "iam-role-trust-policy-scoped",
        ruleId: "CKV_AWS_60",
        what: "sts:ExternalId removed and an account root trusted",
        plan: "evalcorp",
        mutate: (p) =>
            editDoc(res(p, "evalcorp-identity-vendor-role"), "assumeRolePolicy", (d) => {
                const s = d.Statement[0];
                delete s.Condition;
                s.Principal = { AWS: "arn:aws:iam::777788889999:root" };
            }),
        expected: () => [
            {
                name: "evalcorp-identity-vendor-role",
                message:
                    'assumeRolePolicy statement "AllowVendorPrincipalsWithExternalId" trusts the account root arn:aws:iam::777788889999:root without an ArnEquals aws:PrincipalArn condition naming exact principals of that account',
            },
            {
                name: "evalcorp-identity-vendor-role",
                message:
                    'assumeRolePolicy statement "AllowVendorPrincipalsWithExternalId" trusts arn:aws:iam::777788889999:root without a StringEquals sts:ExternalId condition',
            },
        ],
    },
    {
        policy: "iam-role-trust-policy-scoped",
        ruleId: "CKV_AWS_60",
        what: "the vendor's account root pinned by a wildcard, and by a principal of another account",
        plan: "evalcorp",
        mutate: (p) =>
            editDoc(res(p, "evalcorp-identity-vendor-role"), "assumeRolePolicy", (d) => {
                const s = d.Statement[0] as { Condition: Record<string, Record<string, unknown>> };
                s.Condition.ArnEquals = { "aws:PrincipalArn": ["arn:aws:iam::777788889999:role/*"] };
                s.Condition.ArnLike = { "aws:PrincipalArn": ["arn:aws:iam::111111111111:role/other"] };
            }),
        expected: () => [
            {
                name: "evalcorp-identity-vendor-role",
                message:
                    'assumeRolePolicy statement "AllowVendorPrincipalsWithExternalId" trusts the account root arn:aws:iam::777788889999:root without an ArnEquals aws:PrincipalArn condition naming exact principals of that account',
            },
        ],
    },
    {
        policy: "iam-role-trust-policy-scoped",
        ruleId: "CKV_AWS_60",
        what: "a vendor role's trust naming the vendor's role as Principal (IAM would refuse the seal's write once the vendor deletes it)",
        plan: "evalcorp",
        mutate: (p) =>
            editDoc(res(p, "evalcorp-identity-vendor-role"), "assumeRolePolicy", (d) => {
                d.Statement[0].Principal = { AWS: ["arn:aws:iam::777788889999:role/evalcorp-redteam"] };
            }),
        expected: () => [
            {
                name: "evalcorp-identity-vendor-role",
                message:
                    'assumeRolePolicy statement "AllowVendorPrincipalsWithExternalId" names arn:aws:iam::777788889999:role/evalcorp-redteam as Principal: name its account and pin the principal with ArnEquals aws:PrincipalArn',
            },
        ],
    },
    {
        policy: "iam-role-trust-policy-scoped",
        ruleId: "CKV_AWS_61",
        what: "the workload role also trusts a service that can act for other accounts, without aws:SourceAccount (EC2 alone is exempt)",
        plan: "acme",
        mutate: (p) =>
            editDoc(res(p, `${A}-identity-workload-role`), "assumeRolePolicy", (d) => {
                d.Statement[0].Principal = { Service: ["ec2.amazonaws.com", "lambda.amazonaws.com"] };
            }),
        expected: () => [
            {
                name: `${A}-identity-workload-role`,
                message: 'assumeRolePolicy statement "AllowEc2InThisAccount" trusts lambda.amazonaws.com without aws:SourceAccount or aws:SourceArn',
            },
        ],
    },
    {
        policy: "iam-least-privilege",
        ruleId: "AwsSolutions-IAM5",
        what: "a wildcard action and kms:Decrypt on *",
        plan: "acme",
        mutate: (p) =>
            editDoc(res(p, `${A}-access-vendor-policy`), "policy", (d) => {
                d.Statement.push({ Sid: "Everything", Effect: "Allow", Action: "s3:*", Resource: `arn:aws:s3:::${ACME_GUIDELINES}/*` });
                d.Statement.push({ Sid: "AnyKey", Effect: "Allow", Action: "kms:Decrypt", Resource: "*" });
            }),
        expected: () => [
            { name: `${A}-access-vendor-policy`, message: 'policy statement "Everything" allows s3:* (a whole service)' },
            { name: `${A}-access-vendor-policy`, message: 'policy statement "AnyKey" allows kms:Decrypt on Resource "*"' },
            { name: `${A}-access-vendor-policy`, message: 'policy statement "AnyKey" allows KMS data actions without a kms:ViaService condition' },
            {
                policy: "s3-vendor-roles-no-delete-or-reconfigure",
                name: `${A}-access-vendor-policy`,
                message: `role policy enclave-access of role enclave-${A}-vendor: statement "Everything" allows ${forbiddenOnObjects} on enclave buckets`,
            },
            {
                policy: "kms-one-key-per-vendor",
                name: `${A}-access-vendor-policy`,
                message: `policy statement "AnyKey" grants KMS use on *, not this vendor's key ${ACME_KEY}`,
            },
            {
                policy: "s3-grants-pinned-to-owner",
                name: `${A}-access-vendor-policy`,
                message: `${A}-access-vendor-policy policy statement "Everything" grants S3 on arn:aws:s3:::${ACME_GUIDELINES} without an s3:ResourceAccount condition`,
            },
        ],
    },
    {
        policy: "s3-grants-pinned-to-owner",
        ruleId: "Invariant-38",
        what: "the S3 endpoint's read grant without its owner pin",
        plan: "acme",
        mutate: (p) =>
            editDoc(res(p, `${A}-network-s3-endpoint`), "policy", (d) => {
                delete ((d.Statement.find((s) => s.Sid === "GetReadableObjects")!.Condition as Json).StringEquals as Json)["s3:ResourceAccount"];
            }),
        expected: () => [
            {
                name: `${A}-network-s3-endpoint`,
                message: `${A}-network-s3-endpoint policy statement "GetReadableObjects" grants S3 on arn:aws:s3:::${ACME_GUIDELINES}, arn:aws:s3:::acme-labeling--task-batches--111122223333 without an s3:ResourceAccount condition`,
            },
        ],
    },
    {
        policy: "kms-evidence-keys-administered-apart",
        ruleId: "Invariant-39",
        what: "the alarm key's tamper deny dropped",
        plan: "security",
        mutate: (p) => editDoc(res(p, "security-alarm-key"), "policy", dropSid("DenyKeyTamperingToOthers")),
        expected: () => [
            {
                name: "security-alarm-key",
                message:
                    "security-alarm-key policy does not deny kms:DisableKey, kms:ScheduleKeyDeletion, kms:PutKeyPolicy, kms:CreateGrant, kms:DisableKeyRotation to every principal but its administrators (by aws:PrincipalArn)",
            },
        ],
    },
    {
        policy: "s3-vendor-roles-no-delete-or-reconfigure",
        ruleId: "nothing-grants-delete",
        what: "the vendor role allowed to delete object versions",
        plan: "acme",
        mutate: (p) =>
            editDoc(res(p, `${A}-access-vendor-policy`), "policy", (d) =>
                d.Statement.push({
                    Sid: "Cleanup",
                    Effect: "Allow",
                    Action: ["s3:DeleteObjectVersion"],
                    Resource: `arn:aws:s3:::${ACME_GUIDELINES}/*`,
                    Condition: { StringEquals: { "s3:ResourceAccount": "111122223333" } },
                }),
            ),
        expected: () => [
            {
                name: `${A}-access-vendor-policy`,
                message: `role policy enclave-access of role enclave-${A}-vendor: statement "Cleanup" allows s3:DeleteObjectVersion on enclave buckets`,
            },
        ],
    },
    {
        policy: "iam-no-aws-managed-policies-no-users",
        ruleId: "AwsSolutions-IAM4",
        what: "an AWS-managed policy and an IAM user",
        plan: "acme",
        mutate: (p) => {
            set(res(p, `${A}-identity-vendor-role`), "managedPolicyArns", ["arn:aws:iam::aws:policy/AdministratorAccess"]);
            add(p, "aws:iam/user:User", "vendor-user", { name: "acme" }, "acme");
        },
        expected: () => [
            { name: `${A}-identity-vendor-role`, message: "managedPolicyArns includes the AWS-managed arn:aws:iam::aws:policy/AdministratorAccess" },
            { name: "vendor-user", message: "aws:iam/user:User: IAM users and their keys are not allowed" },
        ],
    },
    {
        policy: "iam-role-boundary-and-session-limit",
        ruleId: "Invariant-30",
        what: "the boundary dropped and a 12-hour session",
        plan: "acme",
        mutate: (p) => {
            set(res(p, `${A}-identity-vendor-role`), "permissionsBoundary", undefined);
            set(res(p, `${A}-identity-vendor-role`), "maxSessionDuration", 43200);
        },
        expected: () => [
            { name: `${A}-identity-vendor-role`, message: "maxSessionDuration is 43200, above 3600" },
            { name: `${A}-identity-vendor-role`, message: `permissionsBoundary is not set on a role of vendor ${A}` },
        ],
    },
    {
        policy: "cloudtrail-trail-hardened",
        ruleId: "FSBP CloudTrail.4",
        what: "validation off on the vendor trail, single-region account trail",
        plan: "security",
        mutate: (p) => {
            set(res(p, "security-account-trail"), "enableLogFileValidation", false);
            set(res(p, "security-account-trail"), "isMultiRegionTrail", false);
        },
        expected: () => [
            { name: "security-account-trail", message: "enableLogFileValidation is false, not true" },
            { name: "security-account-trail", message: "isMultiRegionTrail is not true on a trail that records management events" },
        ],
    },
    {
        policy: "cloudtrail-data-events-cover-vendor-buckets",
        ruleId: "CIS 3.8",
        what: "a bucket missing from the data-event selector",
        plan: "acme",
        mutate: (p) => {
            const t = res(p, `${A}-audit-trail`);
            const sel = structuredClone(t.inputs.advancedEventSelectors) as { fieldSelectors: { field: string; startsWiths?: string[] }[] }[];
            const arns = sel[0].fieldSelectors.find((f) => f.field === "resources.ARN")!;
            arns.startsWiths = arns.startsWiths!.filter((a) => !a.includes("guidelines"));
            set(t, "advancedEventSelectors", sel);
        },
        expected: () => [{ name: `${A}-guidelines-bucket`, message: `no trail records read and write data events for arn:aws:s3:::${ACME_GUIDELINES}` }],
    },
    {
        policy: "logs-group-encrypted-with-retention",
        ruleId: "CKV_AWS_158",
        what: "an unencrypted log group kept 30 days",
        plan: "acme",
        mutate: (p) => {
            set(res(p, `${A}-audit-workload-logs`), "kmsKeyId", undefined);
            set(res(p, `${A}-audit-workload-logs`), "retentionInDays", 30);
        },
        expected: () => [
            { name: `${A}-audit-workload-logs`, message: "kmsKeyId is not set" },
            { name: `${A}-audit-workload-logs`, message: "retentionInDays is 30: set it explicitly, at least 365" },
        ],
    },
    {
        policy: "cloudwatch-cis-alarms-on-account-trail",
        ruleId: "CIS 4.7",
        what: "the KMS disable/deletion filter removed, the IAM alarm lost its action",
        plan: "security",
        mutate: (p) => {
            // The evidence-key filter matches DisableKey too (for the archive and alarm keys): both go.
            p.resources = p.resources.filter((r) => !["security-kms-key-disable-or-delete-filter", "security-evidence-key-tampering-filter"].includes(r.name));
            set(res(p, "security-iam-policy-changes-alarm"), "alarmActions", []);
        },
        expected: () => [
            {
                name: "security-iam-policy-changes-filter",
                message: "metric filter enclave-iam-policy-changes (IAM policy changes (CIS 4.4)) has no alarm with alarmActions",
            },
            {
                name: "security-account-trail",
                message: "no metric filter on /enclave/security/account-trail matches KMS key disable or deletion (CIS 4.7) (DisableKey, ScheduleKeyDeletion)",
            },
        ],
    },
    {
        policy: "stack-vendor-destroyable-archive-protected",
        ruleId: "Invariant-36",
        what: "the archive unprotected",
        plan: "security",
        mutate: (p) => (res(p, "security-archive-bucket").protect = false),
        expected: () => [{ name: "security-archive-bucket", message: "security-archive-bucket is part of the log archive but not protected" }],
    },
    {
        policy: "stack-vendor-destroyable-archive-protected",
        ruleId: "Invariant-36",
        what: "a data bucket without forceDestroy and a protected vendor key",
        plan: "acme",
        mutate: (p) => {
            set(res(p, `${A}-guidelines-bucket`), "forceDestroy", false);
            res(p, `${A}-key-key`).protect = true;
        },
        expected: () => [
            { name: `${A}-key-key`, message: `${A}-key-key is protected in a vendor stack: pulumi destroy on breach day would stop` },
            {
                name: `${A}-guidelines-bucket`,
                message: `data bucket ${ACME_GUIDELINES} has forceDestroy false: a versioned bucket cannot be destroyed without it`,
            },
        ],
    },
    {
        policy: "seal-cuts-every-path",
        ruleId: "Invariant-34",
        what: "a seal missing its deny-all and its endpoint deny",
        plan: "sealed",
        mutate: (p) => {
            editDoc(res(p, `${A}-access-vendor-seal`), "policy", dropSid("SealDenyAll"));
            editDoc(res(p, `${A}-network-s3-endpoint`), "policy", dropSid("SealDenyVendor"));
        },
        expected: () => [
            {
                name: `${A}-identity-vendor-role`,
                message: `${A}-identity-vendor-role has no role policy with an unconditioned Deny of everything while the stack is sealed`,
            },
            { name: `${A}-network-s3-endpoint`, message: `${A}-network-s3-endpoint policy has no Deny for the vendor roles while sealed` },
        ],
    },
    {
        policy: "seal-cuts-every-path",
        ruleId: "Invariant-34",
        what: "a seal without the workload role's seal policy and without the key-policy deny",
        plan: "sealed",
        mutate: (p) => {
            p.resources = p.resources.filter((r) => r.name !== `${A}-access-workload-seal`);
            editDoc(res(p, `${A}-key-key`), "policy", dropSid("SealDenyVendor"));
        },
        expected: () => [
            // The disabled key without its policy deny also fails the KMS rule.
            {
                policy: "kms-key-deletion-window-and-enabled",
                name: `${A}-key-key`,
                message: "isEnabled is false but the key policy has no seal Deny: a disabled key is only expected while sealed",
            },
            {
                name: `${A}-identity-workload-role`,
                message: `${A}-identity-workload-role has no role policy with an unconditioned Deny of everything while the stack is sealed`,
            },
            {
                name: `${A}-identity-workload-role`,
                message: `${A}-identity-workload-role has no role policy with a Deny conditioned on aws:TokenIssueTime (revoke older sessions)`,
            },
            { name: `${A}-key-key`, message: `${A}-key-key key policy has no Deny for the vendor roles while sealed` },
        ],
    },
    {
        policy: "seal-cuts-every-path",
        ruleId: "Invariant-34",
        // Every sealed shape undone but the seal-only role policies left in place: the pack still knows the stack is
        // sealed from the catalogue's sealed-only resources, and reports what the seal no longer cuts.
        what: "a seal whose only trace is its seal-only role policies",
        plan: "sealed",
        mutate: (p) => {
            set(res(p, `${A}-key-key`), "isEnabled", true);
            for (const role of ["vendor", "workload"]) {
                editDoc(res(p, `${A}-access-${role}-seal`), "policy", dropSid("SealDenyAll"));
                editDoc(res(p, `${A}-identity-${role}-role`), "assumeRolePolicy", dropSid("SealDenyAssumeRole"));
            }
        },
        expected: () => [
            {
                name: `${A}-identity-vendor-role`,
                message: `${A}-identity-vendor-role has no role policy with an unconditioned Deny of everything while the stack is sealed`,
            },
            {
                name: `${A}-identity-workload-role`,
                message: `${A}-identity-workload-role has no role policy with an unconditioned Deny of everything while the stack is sealed`,
            },
            { name: `${A}-identity-vendor-role`, message: `${A}-identity-vendor-role trust policy does not deny sts:AssumeRole while sealed` },
            { name: `${A}-identity-workload-role`, message: `${A}-identity-workload-role trust policy does not deny sts:AssumeRole while sealed` },
            { name: `${A}-key-key`, message: `${A}-key-key isEnabled is not false while sealed` },
        ],
    },
    {
        policy: "seal-cuts-every-path",
        ruleId: "Invariant-34",
        what: "a seal that leaves the vendor key enabled",
        plan: "sealed",
        mutate: (p) => set(res(p, `${A}-key-key`), "isEnabled", true),
        expected: () => [{ name: `${A}-key-key`, message: `${A}-key-key isEnabled is not false while sealed` }],
    },
    {
        policy: "route53-vpc-dns-firewall-closed",
        ruleId: "DataPerimeter-DNS",
        what: "a VPC whose firewall fails open, allows every name and logs no query",
        plan: "acme",
        mutate: (p) => {
            set(res(p, `${A}-network-dns-firewall-config`), "firewallFailOpen", "ENABLED");
            set(res(p, `${A}-network-dns-block-rest`), "action", "ALLOW");
            p.resources = p.resources.filter((r) => r.name !== `${A}-network-dns-query-log-association`);
        },
        expected: () => [
            { name: `${A}-network-vpc`, message: `VPC ${A}-network-vpc: the last DNS Firewall rule (${A}-network-dns-block-rest) does not BLOCK "*"` },
            { name: `${A}-network-dns-block-rest`, message: `${A}-network-dns-block-rest ALLOWs "*": every name resolves` },
            { name: `${A}-network-vpc`, message: `VPC ${A}-network-vpc has no DNS Firewall config with firewallFailOpen DISABLED (it fails open)` },
            { name: `${A}-network-vpc`, message: `VPC ${A}-network-vpc has no resolver query logging` },
        ],
    },
    {
        policy: "route53-vpc-dns-firewall-closed",
        ruleId: "DataPerimeter-DNS",
        what: "a VPC without a DNS Firewall association",
        plan: "acme",
        mutate: (p) => (p.resources = p.resources.filter((r) => r.name !== `${A}-network-dns-association`)),
        expected: () => [
            {
                name: `${A}-network-vpc`,
                message: `VPC ${A}-network-vpc has no DNS Firewall rule group with rules associated: its resolver answers any internet name`,
            },
        ],
    },
    {
        policy: "seal-cuts-every-path",
        ruleId: "Invariant-34",
        what: "a seal that leaves the DNS allow-list answering",
        plan: "sealed",
        mutate: (p) => set(res(p, `${A}-network-dns-allow-aws`), "action", "ALLOW"),
        expected: () => [
            { name: `${A}-network-dns-allow-aws`, message: `${A}-network-dns-allow-aws is ALLOW, not BLOCK, while sealed: the VPC still resolves names` },
        ],
    },
    {
        policy: "organization-perimeter",
        ruleId: "Organization-SCP",
        what: "the quarantine SCP exempting the log replication role without holding it to replication",
        plan: "organization",
        mutate: (p) =>
            editDoc(res(p, "enclave-quarantine"), "content", (d) => (d.Statement = d.Statement.filter((s) => s.Sid !== "QuarantineReplicationOnly"))),
        expected: () => [{ name: "enclave-quarantine", message: "no quarantine SCP denies every action to all but one role named by aws:PrincipalArn" }],
    },
    {
        policy: "organization-perimeter",
        ruleId: "Organization-SCP",
        what: "the quarantine SCP holding the log replication role to every S3 call",
        plan: "organization",
        mutate: (p) =>
            editDoc(res(p, "enclave-quarantine"), "content", (d) => {
                const held = d.Statement.find((s) => s.Sid === "QuarantineReplicationOnly") as { NotAction: string[] };
                held.NotAction = ["s3:*"];
            }),
        expected: () => [{ name: "enclave-quarantine", message: "no quarantine SCP denies every action to all but one role named by aws:PrincipalArn" }],
    },
    {
        policy: "organization-perimeter",
        ruleId: "Organization-SCP",
        what: "the quarantine SCP exempting every role",
        plan: "organization",
        mutate: (p) =>
            editDoc(
                res(p, "enclave-quarantine"),
                "content",
                (d) =>
                    ((d.Statement[0] as { Condition: Record<string, Record<string, string[]>> }).Condition.ArnNotLike["aws:PrincipalArn"] = [
                        "arn:aws:iam::*:role/*",
                    ]),
            ),
        expected: () => [
            {
                name: "enclave-quarantine",
                message: 'enclave-quarantine statement "QuarantineDenyAllButBreakGlass" exempts arn:aws:iam::*:role/*: every role escapes the deny',
            },
        ],
    },
];

describe("guardrail policies: compliant cases", () => {
    it.each(["acme", "evalcorp", "security", "sealed", "organization"] as const)("the %s plan passes every policy", async (name) => {
        expect(brief(await checkPlan(plans[name]))).toEqual([]);
    });
});

describe("guardrail policies: planted violations in real plans", () => {
    it.each(CASES.map((c) => [`${c.policy}: ${c.what}`, c] as const))("%s", async (_, c) => {
        const plan = structuredClone(plans[c.plan]);
        c.mutate(plan);
        const got = await checkPlan(plan);
        const expected = c.expected(plan).map((e) => ({ policy: e.policy ?? c.policy, urn: urnOf(plan, e.name), message: e.message }));
        expect(brief(got)).toEqual(expected);
        const own = got.find((v) => v.policy === c.policy)!;
        expect(own.ruleIds).toContain(c.ruleId);
        expect(own.fix.length).toBeGreaterThan(20);
    });

    it("every policy of the pack has at least one planted violation above", () => {
        // The workspace policies need a plan with instances: their planted violations are in test/workspace.test.ts.
        // The airlock's, in a plan with an airlock: test/airlock-plan.test.ts.
        const plantedElsewhere = [
            "ec2-workspace-instance-hardened",
            "ssm-session-document-logging-mandatory",
            "ec2-workspace-encrypted-and-endpoints-only",
            "airlock-export-controls",
        ];
        expect([...new Set([...CASES.map((c) => c.policy), ...plantedElsewhere])].sort()).toEqual(ALL_POLICIES.map((p) => p.name).sort());
    });
});

describe("guardrail policies: metadata", () => {
    it.each(ALL_POLICIES.map((p) => [p.name, p] as const))("%s names its rule IDs, why, the fix and an enforcement level", (_, p) => {
        expect(p.tags!.length).toBeGreaterThan(0);
        for (const id of p.tags!) {
            if (id.startsWith("Invariant-")) expect(p.description).toContain(`nvariant ${id.slice("Invariant-".length)}`);
            else if (id.startsWith("DataPerimeter")) expect(p.description).toMatch(/data perimeter/i);
            else expect(p.description).toContain(id);
        }
        expect(p.description).toContain("Why:");
        expect(p.remediationSteps).toMatch(/\S{3,}/);
        expect(["mandatory", "advisory"]).toContain(p.enforcementLevel);
    });

    it("only hygiene rules are advisory; every security-critical rule is mandatory", () => {
        expect(ALL_POLICIES.filter((p) => p.enforcementLevel === "advisory").map((p) => p.name)).toEqual([
            "s3-lifecycle-abort-and-noncurrent-expiry",
            "ec2-security-group-descriptions",
        ]);
    });

    it("docs/guardrails.md's policy table lists every policy with its kind and enforcement level, and nothing else", () => {
        const doc = fs.readFileSync(path.join(__dirname, "..", "docs", "guardrails.md"), "utf8");
        const table = doc
            .split("## Policies\n")[1]
            .split("\n\n")
            .find((block) => block.startsWith("| policy |"))!
            .trim();
        const rows = table
            .split("\n")
            .slice(2)
            .map((l) => l.split(" | "));
        expect(rows.map((r) => [r[0].replace(/^\| `|`$/g, ""), r[1], r[4].replace(/ \|$/, "")])).toEqual(
            ALL_POLICIES.map((p) => [p.name, "validateStack" in p ? "stack" : "resource", p.enforcementLevel]),
        );
    });

    it("the pack entry only constructs the PolicyPack and nothing imports it", () => {
        const entry = fs.readFileSync(path.join(__dirname, "..", "guardrails", "index.ts"), "utf8");
        expect(entry.match(/new PolicyPack\(/g)).toHaveLength(1);
        expect(entry).toMatch(/policies: ALL_POLICIES/);
        for (const dir of ["cli", "guardrails", "test"]) {
            for (const f of fs.readdirSync(path.join(__dirname, "..", dir), { recursive: true }) as string[]) {
                if (!f.endsWith(".ts")) continue;
                const text = fs.readFileSync(path.join(__dirname, "..", dir, f), "utf8");
                expect(text, `${dir}/${f}`).not.toMatch(/from "(\.\.\/)+guardrails"|from "\.\/index"|guardrails\/index"/);
            }
        }
    });
});
