import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkPlan } from "../guardrails/offline";
import { loadSecuritySpec, loadVendorSpec, securitySpecPath, vendorSpecPath } from "../config/load";
import type { SecuritySpec, VendorSpec } from "../config/schema";
import { planSecurity, planVendor } from "../plan/stacks";
import type { Plan, PlanResource } from "../plan/types";
import { simulate, simulateOnly, worldFromPlans, type World } from "../review/simulate";
import { organizationModel } from "../review/organization";
import { FIXTURES_DIR, SEALED_AT } from "./support/fixtures";
import { ORG_ID, organizationPolicies } from "./support/orgFacts";

// Account mode's logs: S3 delivers server access logs only to a bucket of the source bucket's own account and region,
// and the perimeter SCP keeps the workload role inside its member account, so an account-mode enclave keeps its access
// logs and session transcripts in its own member log bucket, which S3 replication copies into the archive of the
// log-archive account. These tests read offline plans of the account fixtures (test/fixtures/account/) and of the
// airlock and workspace fixtures moved into member accounts, and simulate the policies with iam-simulate.
//
// What this cannot prove: that AWS delivers or replicates (no AWS here, and moto evaluates no bucket policy), that
// replicas keep SSE-S3 and take the archive's default Object Lock retention (AWS's documented behaviour, not
// simulated), or anything about the quarantine SCP, which also stops the replication role while an account is sealed.

const DIR = path.join(FIXTURES_DIR, "account");
const MEMBER = "210987654321";
const LOG_ARCHIVE = "111122223333";
const ACME = "acme-labeling";
const LOG_BUCKET = `enclave-member-logs-${MEMBER}-us-east-1`;
const LOG_BUCKET_ARN = `arn:aws:s3:::${LOG_BUCKET}`;
const ARCHIVE_ARN = `arn:aws:s3:::enclave-log-archive-${LOG_ARCHIVE}-us-east-1`;
const replicationRole = (id: string, account = MEMBER) => `arn:aws:iam::${account}:role/log-replication-enclave-${id}`;

type Statement = {
    Sid?: string;
    Effect: string;
    Principal?: unknown;
    Action?: unknown;
    NotAction?: unknown;
    Resource?: unknown;
    NotResource?: unknown;
    Condition?: Record<string, Record<string, unknown>>;
};
type Doc = { Statement: Statement[] };

const security: SecuritySpec = loadSecuritySpec(securitySpecPath(DIR));
const acme: VendorSpec = loadVendorSpec(vendorSpecPath(ACME, DIR), ACME);
/** A fixture of another folder moved into its own member account (the account fixture's memberAccount). */
function intoAccount(folder: string, id: string, account: string): VendorSpec {
    const spec = loadVendorSpec(vendorSpecPath(id, path.join(FIXTURES_DIR, folder)), id);
    return { ...spec, account: { ...spec.account, id: account }, isolation: "account", memberAccount: { roleName: "enclave-deployer" } };
}

const res = (plan: Plan, name: string): PlanResource => {
    const r = plan.resources.find((x) => x.name === name);
    if (!r) throw new Error(`no resource ${name} in the plan of ${plan.stack}`);
    return r;
};
const docOf = (r: PlanResource, prop = "policy"): Doc => JSON.parse(String(r.inputs[prop])) as Doc;
const sid = (doc: Doc, name: string): Statement => {
    const s = doc.Statement.find((x) => x.Sid === name);
    if (!s) throw new Error(`no statement ${name}`);
    return s;
};
const ofType = (plan: Plan, type: string) => plan.resources.filter((r) => r.type === type);
const brief = (v: { policy: string; message: string }[]) => v.map((x) => ({ policy: x.policy, message: x.message }));

/** Edit a resource of a plan copy in both its inputs and its outputs (the guardrails read outputs when present). */
function edit(plan: Plan, name: string, change: (props: Record<string, unknown>) => void): Plan {
    const copy = structuredClone(plan);
    const r = res(copy, name);
    change(r.inputs);
    if (r.outputs) change(r.outputs);
    return copy;
}
const dropStatement = (sidName: string) => (props: Record<string, unknown>) => {
    const doc = JSON.parse(String(props.policy)) as Doc;
    const before = doc.Statement.length;
    doc.Statement = doc.Statement.filter((s) => s.Sid !== sidName);
    if (doc.Statement.length !== before - 1) throw new Error(`no statement ${sidName} to drop`);
    props.policy = JSON.stringify(doc);
};

describe("an account-mode enclave's access logs stay in its member account", () => {
    let plan: Plan;
    beforeAll(async () => {
        plan = await planVendor(acme, security);
    }, 120_000);

    it("every dataset bucket logs to the member log bucket, under its own prefix", () => {
        const logging = ofType(plan, "aws:s3/bucketLogging:BucketLogging").map((r) => [r.inputs.bucket, r.inputs.targetBucket, r.inputs.targetPrefix]);
        expect(logging.sort()).toEqual(
            ["guidelines", "labels-dropbox", "task-batches"].map((d) => [`${ACME}--${d}--${MEMBER}`, LOG_BUCKET, `vendors/${ACME}/s3-access/${d}/`]),
        );
    });

    it("the member log bucket has the central one's guarantees: SSE-S3, public access blocked, owner enforced, versioned, tagged, no Object Lock", () => {
        const bucket = res(plan, `${ACME}-member-logs-bucket`);
        expect(bucket.inputs.bucket).toBe(LOG_BUCKET);
        expect(bucket.inputs.tags).toEqual({ "enclave:vendor": ACME, "enclave:managed-by": "vendor-enclaves" });
        expect(bucket.inputs.objectLockEnabled).toBeUndefined();
        expect(bucket.inputs.forceDestroy).toBe(false);
        expect(bucket.retainOnDelete).toBe(true);
        expect(res(plan, `${ACME}-member-logs-encryption`).inputs.rules).toEqual([
            { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, blockedEncryptionTypes: ["SSE-C"] },
        ]);
        expect(res(plan, `${ACME}-member-logs-public-access-block`).inputs).toMatchObject({
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        });
        expect(res(plan, `${ACME}-member-logs-ownership`).inputs.rule).toEqual({ objectOwnership: "BucketOwnerEnforced" });
        expect(res(plan, `${ACME}-member-logs-versioning`).inputs.versioningConfiguration).toEqual({ status: "Enabled" });
        // It is the target, so it logs nowhere itself.
        expect(ofType(plan, "aws:s3/bucketLogging:BucketLogging").filter((r) => r.inputs.bucket === LOG_BUCKET)).toEqual([]);
    });

    it("its policy admits the logging service only from this account for this enclave's buckets, and guards the logs", () => {
        const doc = docOf(res(plan, `${ACME}-member-logs-policy`));
        expect(doc.Statement.map((s) => s.Sid)).toEqual([
            "DenyInsecureTransport",
            "S3ServerAccessLogs",
            "DenyLogDeletion",
            "DenyLogReadsToOthers",
            "ReplicationReadsOnlyByReplicationRole",
            "DenyLogBucketReconfiguration",
            "DenyForgedLogs",
        ]);
        expect(sid(doc, "S3ServerAccessLogs")).toEqual({
            Sid: "S3ServerAccessLogs",
            Effect: "Allow",
            Principal: { Service: "logging.s3.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: `${LOG_BUCKET_ARN}/vendors/${ACME}/s3-access/*`,
            Condition: {
                StringEquals: { "aws:SourceAccount": MEMBER },
                ArnEquals: { "aws:SourceArn": ["guidelines", "task-batches", "labels-dropbox"].map((d) => `arn:aws:s3:::${ACME}--${d}--${MEMBER}`) },
            },
        });
        // One reader and deleter: the member account's break-glass (the archive administrator reads the replicas).
        for (const name of ["DenyLogReadsToOthers", "DenyLogDeletion"])
            expect(sid(doc, name).Condition).toEqual({ StringNotEqualsIfExists: { "aws:PrincipalArn": [`arn:aws:iam::${MEMBER}:role/enclave-break-glass`] } });
        expect(sid(doc, "DenyLogBucketReconfiguration").Condition).toEqual({
            StringNotEqualsIfExists: {
                "aws:PrincipalArn": [`arn:aws:iam::${MEMBER}:role/enclave-deployer`, `arn:aws:iam::${MEMBER}:role/enclave-break-glass`],
            },
        });
        // No statement of it grants any other account anything.
        expect(doc.Statement.filter((s) => s.Effect === "Allow").map((s) => s.Principal)).toEqual([{ Service: "logging.s3.amazonaws.com" }]);
    });

    it("both vendor-side roles deny themselves every delete and reconfiguration of the log bucket", () => {
        for (const role of ["vendor", "workload"]) {
            const policy = ofType(plan, "aws:iam/rolePolicy:RolePolicy").find(
                (r) => r.inputs.role === `enclave-${ACME}-${role}` && r.inputs.name === "enclave-access",
            )!;
            const st = sid(docOf(policy), "DenyLogBucketTampering");
            expect(st.Effect).toBe("Deny");
            expect(st.Resource).toEqual([LOG_BUCKET_ARN, `${LOG_BUCKET_ARN}/*`]);
            expect(st.Action).toEqual(
                expect.arrayContaining([
                    "s3:DeleteObject",
                    "s3:DeleteObjectVersion",
                    "s3:PutBucketPolicy",
                    "s3:PutReplicationConfiguration",
                    "s3:DeleteBucket",
                ]),
            );
        }
    });

    it("S3 replicates both log prefixes into the archive of the log-archive account, owner overridden, deletes never", () => {
        const replication = res(plan, `${ACME}-member-logs-replication`);
        const destination = { bucket: ARCHIVE_ARN, account: LOG_ARCHIVE, accessControlTranslation: { owner: "Destination" } };
        expect(replication.inputs).toEqual({
            bucket: LOG_BUCKET,
            role: replicationRole(ACME),
            rules: [
                {
                    id: "s3-access",
                    status: "Enabled",
                    priority: 1,
                    filter: { prefix: `vendors/${ACME}/s3-access/` },
                    deleteMarkerReplication: { status: "Disabled" },
                    destination,
                },
                {
                    id: "sessions",
                    status: "Enabled",
                    priority: 2,
                    filter: { prefix: `vendors/${ACME}/sessions/` },
                    deleteMarkerReplication: { status: "Disabled" },
                    destination,
                },
            ],
        });
        const role = res(plan, `${ACME}-member-logs-replication-role`);
        expect(role.inputs.name).toBe(`log-replication-enclave-${ACME}`);
        expect(docOf(role, "assumeRolePolicy").Statement).toEqual([
            {
                Sid: "S3ReplicatesThisBucketOnly",
                Effect: "Allow",
                Principal: { Service: "s3.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "aws:SourceAccount": MEMBER }, ArnEquals: { "aws:SourceArn": LOG_BUCKET_ARN } },
            },
        ]);
        const grant = docOf(res(plan, `${ACME}-member-logs-replication-policy`));
        expect(sid(grant, "ReplicateIntoArchive")).toEqual({
            Sid: "ReplicateIntoArchive",
            Effect: "Allow",
            Action: ["s3:ReplicateObject", "s3:ReplicateTags", "s3:ObjectOwnerOverrideToBucketOwner"],
            Resource: [`${ARCHIVE_ARN}/vendors/${ACME}/s3-access/*`, `${ARCHIVE_ARN}/vendors/${ACME}/sessions/*`],
        });
        expect(JSON.stringify(grant)).not.toContain("ReplicateDelete");
    });

    it("the plan passes every guardrail", async () => {
        expect(brief(await checkPlan(plan))).toEqual([]);
    });
});

describe("the archive admits each member account's replication role, and only for that vendor's logs", () => {
    let plan: Plan;
    beforeAll(async () => {
        plan = await planSecurity(security, [acme, intoAccount("workspace", "studio-nine", "210987654399")]);
    }, 120_000);

    it("names the role by aws:PrincipalArn under its account's principal, never as Principal, for replica writes only", () => {
        const doc = docOf(res(plan, "security-archive-policy"));
        expect(sid(doc, "ReplicatedLogsFromMemberAcmeLabeling")).toEqual({
            Sid: "ReplicatedLogsFromMemberAcmeLabeling",
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${MEMBER}:root` },
            Action: ["s3:ReplicateObject", "s3:ReplicateTags", "s3:ObjectOwnerOverrideToBucketOwner"],
            Resource: [`${ARCHIVE_ARN}/vendors/${ACME}/s3-access/*`, `${ARCHIVE_ARN}/vendors/${ACME}/sessions/*`],
            Condition: { ArnEquals: { "aws:PrincipalArn": replicationRole(ACME) } },
        });
        // The replicas are SSE-S3: the bucket policy alone keeps them to the two administrators.
        expect(sid(doc, "DenyReplicatedLogReadsToOthers").Condition).toEqual({
            StringNotEquals: {
                "aws:PrincipalArn": [`arn:aws:iam::${LOG_ARCHIVE}:role/enclave-archive-admin`, `arn:aws:iam::${LOG_ARCHIVE}:role/enclave-break-glass`],
            },
        });
        // An account-mode workload role writes nothing into the archive any more: no transcript exemption names it.
        expect(doc.Statement.filter((s) => s.Sid?.startsWith("SessionLogsOwnPrefixOnly"))).toEqual([]);
        expect(JSON.stringify(sid(doc, "DenyForgedLogs"))).not.toContain("studio-nine-workload");
    });

    it("the security plan passes every guardrail (the pinned replication grant is the one cross-account grant allowed)", async () => {
        expect(brief(await checkPlan(plan))).toEqual([]);
    });

    it("a replication grant widened to reading the archive is refused by the guardrails", async () => {
        const widened = edit(plan, "security-archive-policy", (props) => {
            const doc = JSON.parse(String(props.policy)) as Doc;
            (doc.Statement.find((s) => s.Sid === "ReplicatedLogsFromMemberAcmeLabeling")!.Action as string[]).push("s3:GetObject");
            props.policy = JSON.stringify(doc);
        });
        expect(brief(await checkPlan(widened))).toEqual([
            {
                policy: "s3-bucket-policy-no-public-or-cross-account-allow",
                message: `policy statement "ReplicatedLogsFromMemberAcmeLabeling" grants arn:aws:iam::${MEMBER}:root, outside the stack's account ${LOG_ARCHIVE}`,
            },
        ]);
    });
});

describe("simulated: the log bucket and the replication path", () => {
    let world: World;
    let endpointId: string;
    beforeAll(async () => {
        const vendorPlan = await planVendor(acme, security);
        world = worldFromPlans(vendorPlan, await planSecurity(security, [acme]));
        endpointId = String(vendorPlan.outputs.s3EndpointId);
    }, 120_000);

    const vendorRole = `arn:aws:iam::${MEMBER}:role/enclave-${ACME}-vendor`;
    const log = `${LOG_BUCKET_ARN}/vendors/${ACME}/s3-access/guidelines/2026-11-30-12-00-00-ABCDEF`;

    it("the vendor role cannot delete a log or rewrite the bucket policy, and the bucket policy alone refuses both", async () => {
        for (const [action, resource, statement] of [
            ["s3:DeleteObject", log, "DenyLogDeletion"],
            ["s3:DeleteObjectVersion", log, "DenyLogDeletion"],
            ["s3:PutBucketPolicy", LOG_BUCKET_ARN, "DenyLogBucketReconfiguration"],
        ] as const) {
            const req = { principal: vendorRole, action, resource, network: { via: "endpoint" as const, endpointId } };
            expect((await simulate(world, req)).decision, action).toBe("ExplicitlyDenied");
            const alone = await simulateOnly(world, req, "resource");
            expect({ action, decision: alone.decision, sids: alone.denials.map((d) => `${d.layer}:${d.sid}`) }).toEqual({
                action,
                decision: "ExplicitlyDenied",
                sids: [`resource:${statement}`],
            });
        }
    });

    it("the logging service writes a log only with this account as aws:SourceAccount and one of the enclave's buckets as aws:SourceArn", async () => {
        const put = (account: string, source: string) =>
            simulate(world, {
                principal: "logging.s3.amazonaws.com",
                action: "s3:PutObject",
                resource: log,
                network: { via: "service" },
                sse: null,
                context: { "aws:SourceAccount": account, "aws:SourceArn": source, "aws:PrincipalIsAWSService": "true" },
            });
        expect((await put(MEMBER, `arn:aws:s3:::${ACME}--guidelines--${MEMBER}`)).decision).toBe("Allowed");
        expect((await put("999999999999", `arn:aws:s3:::${ACME}--guidelines--${MEMBER}`)).allowed).toBe(false);
        expect((await put(MEMBER, `arn:aws:s3:::someone-elses-bucket`)).allowed).toBe(false);
    });

    it("the replication role may replicate into its own vendor's prefixes of the archive and nowhere else", async () => {
        const replicate = (resource: string) =>
            simulate(world, { principal: replicationRole(ACME), action: "s3:ReplicateObject", resource, network: { via: "service" } });
        expect((await replicate(`${ARCHIVE_ARN}/vendors/${ACME}/s3-access/guidelines/log-1`)).decision).toBe("Allowed");
        expect((await replicate(`${ARCHIVE_ARN}/vendors/evalcorp/s3-access/eval-prompts/log-1`)).allowed).toBe(false);
        expect((await replicate(`${ARCHIVE_ARN}/evidence/${ACME}/bundle.tar.gz`)).allowed).toBe(false);
    });
});

describe("account mode with an airlock and a workspace", () => {
    let airlockPlan: Plan;
    let workspacePlan: Plan;
    const AIRLOCK_MEMBER = "210987654398";
    const WORKSPACE_MEMBER = "210987654399";
    beforeAll(async () => {
        airlockPlan = await planVendor(intoAccount("airlock", "harbor-annotate", AIRLOCK_MEMBER), security);
        workspacePlan = await planVendor(intoAccount("workspace", "studio-nine", WORKSPACE_MEMBER), security);
    }, 180_000);

    it("the airlock's three buckets log to the member log bucket too, and its policy names them as sources", () => {
        const bucket = `enclave-member-logs-${AIRLOCK_MEMBER}-us-east-1`;
        const logging = ofType(airlockPlan, "aws:s3/bucketLogging:BucketLogging");
        expect(logging.length).toBeGreaterThan(3);
        expect(logging.filter((r) => r.inputs.targetBucket !== bucket).map((r) => r.name)).toEqual([]);
        const airlockTargets = logging.filter((r) => String(r.inputs.targetPrefix).includes("/airlock-")).map((r) => r.inputs.targetPrefix);
        expect(airlockTargets.sort()).toEqual(["control", "outbox", "released"].map((w) => `vendors/harbor-annotate/s3-access/airlock-${w}/`));
        const sources = sid(docOf(res(airlockPlan, "harbor-annotate-member-logs-policy")), "S3ServerAccessLogs").Condition!.ArnEquals[
            "aws:SourceArn"
        ] as string[];
        expect(sources.filter((s) => s.includes("airlock")).length).toBe(3);
        expect(sources.every((s) => s.endsWith(AIRLOCK_MEMBER) || s.includes(AIRLOCK_MEMBER))).toBe(true);
    });

    it("session transcripts go to the member log bucket (SSE-S3, no archive key), written only through the enclave's endpoint", () => {
        const bucket = `enclave-member-logs-${WORKSPACE_MEMBER}-us-east-1`;
        const content = JSON.parse(String(res(workspacePlan, "studio-nine-workspace-session-document").inputs.content)) as { inputs: Record<string, unknown> };
        expect(content.inputs).toMatchObject({
            s3BucketName: bucket,
            s3KeyPrefix: "vendors/studio-nine/sessions",
            s3EncryptionEnabled: true,
            cloudWatchStreamingEnabled: true,
        });
        const workload = ofType(workspacePlan, "aws:iam/rolePolicy:RolePolicy").find(
            (r) => r.inputs.role === "enclave-studio-nine-workload" && r.inputs.name === "enclave-access",
        )!;
        const doc = docOf(workload);
        expect(sid(doc, "SessionLogsToArchive").Resource).toBe(`arn:aws:s3:::${bucket}/vendors/studio-nine/sessions/*`);
        expect(doc.Statement.some((s) => s.Sid === "SessionLogsArchiveKey")).toBe(false);
        expect(JSON.stringify(doc)).not.toContain("enclave-log-archive-");
        const policy = docOf(res(workspacePlan, "studio-nine-member-logs-policy"));
        const endpointId = String(workspacePlan.outputs.s3EndpointId);
        expect(sid(policy, "SessionLogsThroughEnclaveEndpoint")).toEqual({
            Sid: "SessionLogsThroughEnclaveEndpoint",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: `arn:aws:s3:::${bucket}/*`,
            Condition: {
                StringEquals: { "aws:PrincipalArn": `arn:aws:iam::${WORKSPACE_MEMBER}:role/enclave-studio-nine-workload` },
                StringNotEquals: { "aws:SourceVpce": endpointId },
            },
        });
        expect(sid(policy, "SessionLogsOwnPrefixOnly").NotResource).toBe(`arn:aws:s3:::${bucket}/vendors/studio-nine/sessions/*`);
    });

    it("both plans pass every guardrail, and so does the sealed workspace plan (the replication role is not sealed)", async () => {
        expect(brief(await checkPlan(airlockPlan))).toEqual([]);
        expect(brief(await checkPlan(workspacePlan))).toEqual([]);
        const sealed = await planVendor({ ...intoAccount("workspace", "studio-nine", WORKSPACE_MEMBER), sealed: true, sealedAt: SEALED_AT }, security);
        expect(brief(await checkPlan(sealed))).toEqual([]);
        const replicationPolicy = docOf(res(sealed, "studio-nine-member-logs-replication-policy"));
        expect(replicationPolicy.Statement.every((s) => s.Effect === "Allow")).toBe(true);
    }, 120_000);
});

describe("the guardrails catch a weakened log path", () => {
    let plan: Plan;
    beforeAll(async () => {
        plan = await planVendor(acme, security);
    }, 120_000);

    it("an account-mode dataset bucket logging to the central bucket of the log-archive account", async () => {
        const central = `enclave-access-logs-${LOG_ARCHIVE}-us-east-1`;
        const weakened = edit(plan, `${ACME}-guidelines-access-logging`, (p) => (p.targetBucket = central));
        expect(brief(await checkPlan(weakened))).toEqual([
            {
                policy: "s3-access-logs-own-account-and-guarded",
                message: `${ACME}-guidelines-access-logging logs to ${central}, a bucket of account ${LOG_ARCHIVE}, not this stack's account ${MEMBER}: S3 delivers access logs only within an account`,
            },
        ]);
    });

    it("the log bucket policy without its deletion deny", async () => {
        const weakened = edit(plan, `${ACME}-member-logs-policy`, dropStatement("DenyLogDeletion"));
        const found = brief(await checkPlan(weakened));
        const principals = [
            `arn:aws:iam::${MEMBER}:role/enclave-${ACME}-vendor`,
            `arn:aws:iam::${MEMBER}:role/enclave-${ACME}-workload`,
            `arn:aws:iam::${MEMBER}:role/any-other-role`,
        ];
        expect(found).toEqual(
            principals.flatMap((p) =>
                ["s3:DeleteObject", "s3:DeleteObjectVersion"].map((action) => ({
                    policy: "s3-access-logs-own-account-and-guarded",
                    message: `policy of ${LOG_BUCKET} does not deny ${action} to ${p}: the logs could be erased, forged or re-policied`,
                })),
            ),
        );
    });

    it("the logging service admitted without aws:SourceAccount", async () => {
        const weakened = edit(plan, `${ACME}-member-logs-policy`, (props) => {
            const doc = JSON.parse(String(props.policy)) as Doc;
            const st = doc.Statement.find((s) => s.Sid === "S3ServerAccessLogs")!;
            delete st.Condition!.StringEquals;
            props.policy = JSON.stringify(doc);
        });
        expect(brief(await checkPlan(weakened))).toEqual([
            {
                policy: "s3-access-logs-own-account-and-guarded",
                message: `policy of ${LOG_BUCKET}: statement S3ServerAccessLogs admits the logging service without aws:SourceAccount ${MEMBER}`,
            },
        ]);
    });
});

describe("simulated with the organization's SCPs: the baseline guards the log bucket, and the replication role only replicates", () => {
    let world: World;
    let endpointId: string;
    beforeAll(async () => {
        const vendorPlan = await planVendor(acme, security);
        world = worldFromPlans(vendorPlan, await planSecurity(security, [acme]));
        world.organization = organizationModel(ORG_ID, organizationPolicies([{ vendorId: ACME, accountId: MEMBER, principals: acme.access.principals }]), [
            { accountId: MEMBER, placement: "vendors" },
            { accountId: LOG_ARCHIVE, placement: "other" },
        ]);
        endpointId = String(vendorPlan.outputs.s3EndpointId);
    }, 120_000);
    const sids = (r: { denials: { layer: string; sid?: string }[] }) => r.denials.map((d) => `${d.layer}:${d.sid}`);

    it("the SCP alone refuses the vendor side deleting a log, re-policying the log bucket, or redirecting a dataset's access logs", async () => {
        for (const [principal, action, resource, statement] of [
            [
                `arn:aws:iam::${MEMBER}:role/enclave-${ACME}-workload`,
                "s3:DeleteObject",
                `${LOG_BUCKET_ARN}/vendors/${ACME}/sessions/s-1.log`,
                "DenyEnclaveLogTampering",
            ],
            [`arn:aws:iam::${MEMBER}:role/enclave-${ACME}-vendor`, "s3:PutBucketPolicy", LOG_BUCKET_ARN, "DenyEnclaveLogTampering"],
            [
                `arn:aws:iam::${MEMBER}:role/enclave-${ACME}-vendor`,
                "s3:PutBucketLogging",
                `arn:aws:s3:::${ACME}--guidelines--${MEMBER}`,
                "DenyAccessLogRedirect",
            ],
        ] as const) {
            const alone = await simulateOnly(world, { principal, action, resource, network: { via: "endpoint", endpointId } }, "scp");
            expect({ action, decision: alone.decision, sids: sids(alone) }).toEqual({ action, decision: "ExplicitlyDenied", sids: [`scp:${statement}`] });
        }
        // The deployer keeps configuring it.
        const deployer = await simulateOnly(
            world,
            { principal: `arn:aws:iam::${MEMBER}:role/enclave-deployer`, action: "s3:PutBucketPolicy", resource: LOG_BUCKET_ARN },
            "scp",
        );
        expect(deployer.decision).toBe("Allowed");
    });

    it("the replication role passes the SCPs to write into the archive account, and may do nothing else", async () => {
        const replicate = await simulate(world, {
            principal: replicationRole(ACME),
            action: "s3:ReplicateObject",
            resource: `${ARCHIVE_ARN}/vendors/${ACME}/s3-access/guidelines/log-1`,
            network: { via: "service" },
        });
        expect(replicate.decision).toBe("Allowed");
        expect(replicate.layers).toMatchObject({ scp: "Allowed" });
        const read = await simulateOnly(
            world,
            { principal: replicationRole(ACME), action: "s3:GetObject", resource: `arn:aws:s3:::${ACME}--guidelines--${MEMBER}/x` },
            "scp",
        );
        expect({ decision: read.decision, sids: sids(read) }).toEqual({
            decision: "ExplicitlyDenied",
            sids: ["scp:LogReplicationRoleReplicatesOnly", "scp:LogReplicationRoleOnLogBucketsOnly"],
        });
        // A replication read returns the object's bytes: on a dataset bucket it is refused by the bucket confinement
        // alone, whoever holds a role of that name.
        const replicationRead = await simulateOnly(
            world,
            {
                principal: replicationRole(ACME),
                action: "s3:GetObjectVersionForReplication",
                resource: `arn:aws:s3:::${ACME}--guidelines--${MEMBER}/x`,
            },
            "scp",
        );
        expect({ decision: replicationRead.decision, sids: sids(replicationRead) }).toEqual({
            decision: "ExplicitlyDenied",
            sids: ["scp:LogReplicationRoleOnLogBucketsOnly"],
        });
    });
});
