// Evidence and alarms that nobody on the deploy path can silence, proved on fixture specs (test/fixtures/evidence/):
// the security stack plans with the vendors beside it, and iam-simulate evaluates the rendered documents.
//
// What this cannot prove: that KMS, S3 and SNS enforce the documents as simulated (iam-simulate evaluates IAM logic,
// not service behaviour such as S3 always letting the account root replace a bucket policy); that CloudTrail sends
// exactly the aws:SourceArn values pinned here (AWS documentation, not simulation); that an alarm fires (no
// CloudWatch offline); and anything an SCP or RCP of the real organisation adds. Principals outside the plans (the
// deployer, break-glass, the archive administrator) are simulated with an allow-all identity policy, the worst case.
import type { PolicyDocument } from "../contract/policy";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadSecuritySpec, loadVendorSpec, SpecError } from "../config/load";
import { loadFolderVendors } from "../config/fleet";
import type { SecuritySpec, VendorSpec } from "../config/schema";
import { alarmFilters, enclaveVpcRules, KEY_TAMPER_ACTIONS, MAX_FILTER_PATTERN, tripwireEventSelector, tripwireFilter, tripwireKeyOf } from "../iam/archive";
import { mockSecurityOutputs, planSecurity, planVendor } from "../plan/stacks";
import { mockGeneratedSecret } from "../plan/mocks";
import type { Plan, PlanResource } from "../plan/types";
import { simulate, simulateOnly, vendorFacts, worldFromPlans, type Layer, type World } from "../review/simulate";
import { runCli } from "./support/cli";
import type { StackValidationPolicy } from "@pulumi/policy";
import { checkPlan } from "../guardrails/offline";
import { ALL_POLICIES } from "../guardrails/rules";

const DIR = path.join(__dirname, "fixtures", "evidence");
const ACCT = "111122223333";
const ARCHIVE = `arn:aws:s3:::enclave-log-archive-${ACCT}-us-east-1`;
const ACCESS_LOGS = `arn:aws:s3:::enclave-access-logs-${ACCT}-us-east-1`;
const OTHER_ACCOUNT = "999988887777";
const OUTSIDE = { via: "internet" as const, sourceIp: "203.0.113.10" };

let security: SecuritySpec;
let vendors: VendorSpec[];
let securityPlan: Plan;
const vendorPlans: Record<string, Plan> = {};
let world: World;

const ofType = (plan: Plan, type: string) => plan.resources.filter((r) => r.type === type);
const named = (plan: Plan, type: string, suffix: string): PlanResource => {
    const found = ofType(plan, type).filter((r) => r.name.endsWith(suffix));
    expect(found.map((r) => r.name)).toHaveLength(1);
    return found[0];
};
const docOf = (r: PlanResource) => JSON.parse(String(r.inputs.policy)) as { Statement: Record<string, unknown>[] };
const sid = (doc: { Statement: Record<string, unknown>[] }, s: string) => doc.Statement.find((x) => x.Sid === s);
/** A vendor's tripwire key as plans show it: built from the mock's generated secret, the secret redacted. */
const shownTripwireKey = (vendorId: string) => {
    const secret = mockGeneratedSecret(`security-tripwire-${vendorId}-key`);
    return tripwireKeyOf(secret).replace(secret, "[secret]");
};

beforeAll(async () => {
    security = loadSecuritySpec(path.join(DIR, "security.yaml"));
    vendors = loadFolderVendors(DIR).map((v) => v.spec);
    // One after another: the offline plan engine keeps global SDK state.
    securityPlan = await planSecurity(security, vendors);
    for (const v of vendors) vendorPlans[v.id] = await planVendor(v, security);
    world = worldFromPlans(securityPlan, ...Object.values(vendorPlans));
});

describe("separation of duties on the archive (simulated)", () => {
    const archiveKey = () => String(named(securityPlan, "aws:kms/key:Key", "-archive-key").outputs.arn);
    const alarmKey = () => String(named(securityPlan, "aws:kms/key:Key", "-alarm-key").outputs.arn);
    const KEY_ACTIONS = [
        "kms:DisableKey",
        "kms:ScheduleKeyDeletion",
        "kms:PutKeyPolicy",
        "kms:CreateGrant",
        "kms:RetireGrant",
        "kms:RevokeGrant",
        "kms:EnableKeyRotation",
        "kms:DisableKeyRotation",
    ];

    it("the deployer, with an admin identity policy, cannot disable, delete, re-policy, grant or re-rotate the archive or alarm key", async () => {
        // Every action the builder denies (KEY_TAMPER_ACTIONS), each simulated; the list itself is pinned below.
        expect(KEY_TAMPER_ACTIONS).toEqual(expect.arrayContaining(KEY_ACTIONS));
        for (const key of [archiveKey(), alarmKey()]) {
            for (const action of KEY_TAMPER_ACTIONS) {
                const r = await simulate(world, { principal: security.deployerRoleArn, action, resource: key, network: OUTSIDE });
                expect({ key, action, decision: r.decision, by: `${r.decidedBy.layer}:${r.decidedBy.sid}` }).toEqual({
                    key,
                    action,
                    decision: "ExplicitlyDenied",
                    by: "resource:DenyKeyTamperingToOthers",
                });
            }
        }
    });

    it("break-glass and the archive administrator can still administer both keys: neither administrator is locked out", async () => {
        for (const key of [archiveKey(), alarmKey()]) {
            for (const principal of [security.breakGlassRoleArn, security.archiveAdminRoleArn]) {
                for (const action of KEY_ACTIONS.filter((a) => !/Grant/.test(a)).concat("kms:CancelKeyDeletion", "kms:EnableKey")) {
                    const r = await simulate(world, { principal, action, resource: key, network: OUTSIDE });
                    expect({ principal, action, decision: r.decision, denials: r.denials }).toEqual({ principal, action, decision: "Allowed", denials: [] });
                }
            }
        }
    });

    it("another lab principal with an admin identity policy is refused too: the deny is by aws:PrincipalArn, not aimed at the deployer", async () => {
        const r = await simulate(world, {
            principal: `arn:aws:iam::${ACCT}:role/platform-admin`,
            action: "kms:ScheduleKeyDeletion",
            resource: archiveKey(),
            network: OUTSIDE,
        });
        expect(r.decidedBy).toMatchObject({ layer: "resource", sid: "DenyKeyTamperingToOthers" });
    });

    it("the deployer cannot change the archive or access-log bucket's policy, lifecycle, versioning, Object Lock, replication, encryption or logging", async () => {
        const actions = [
            "s3:PutBucketPolicy",
            "s3:DeleteBucketPolicy",
            "s3:PutLifecycleConfiguration",
            "s3:PutBucketVersioning",
            "s3:PutBucketObjectLockConfiguration",
            "s3:PutReplicationConfiguration",
            "s3:PutEncryptionConfiguration",
            "s3:PutBucketLogging",
            "s3:DeleteBucket",
        ];
        for (const bucket of [ARCHIVE, ACCESS_LOGS]) {
            for (const action of actions) {
                const r = await simulate(world, { principal: security.deployerRoleArn, action, resource: bucket, network: OUTSIDE });
                expect({ bucket, action, decision: r.decision }).toEqual({ bucket, action, decision: "ExplicitlyDenied" });
                expect(r.denials.map((d) => d.sid)).toContain("DenyArchiveReconfiguration");
            }
            // The administrators keep them (PutBucketPolicy stands for the list).
            for (const principal of [security.archiveAdminRoleArn, security.breakGlassRoleArn]) {
                const ok = await simulate(world, { principal, action: "s3:PutBucketPolicy", resource: bucket, network: OUTSIDE });
                expect({ bucket, principal, decision: ok.decision }).toEqual({ bucket, principal, decision: "Allowed" });
            }
        }
    });

    it("the deployer can neither delete nor forge log objects, and keeps exactly its evidence write", async () => {
        const trailObject = `${ARCHIVE}/vendors/alpha/cloudtrail/AWSLogs/${ACCT}/CloudTrail/us-east-1/2026/11/30/x.json.gz`;
        for (const action of ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectRetention", "s3:BypassGovernanceRetention"]) {
            const r = await simulate(world, { principal: security.deployerRoleArn, action, resource: trailObject, network: OUTSIDE });
            expect({ action, decision: r.decision, sids: r.denials.map((d) => d.sid) }).toEqual({
                action,
                decision: "ExplicitlyDenied",
                sids: ["DenyLogDeletion"],
            });
        }
        const forged = await simulate(
            world,
            { principal: security.deployerRoleArn, action: "s3:PutObject", resource: trailObject, network: OUTSIDE },
            { chainKms: false },
        );
        expect(forged.decision).toBe("ExplicitlyDenied");
        expect(forged.denials.map((d) => d.sid)).toEqual(["DeployerWritesEvidenceOnly"]);
        const forgedAccessLog = await simulate(world, {
            principal: security.deployerRoleArn,
            action: "s3:PutObject",
            resource: `${ACCESS_LOGS}/vendors/alpha/s3-access/guidelines/x`,
            network: OUTSIDE,
            sse: null,
        });
        expect(forgedAccessLog.denials.map((d) => d.sid)).toEqual(["DenyForgedLogs"]);
        // Another admin of the account cannot forge either.
        const other = await simulate(
            world,
            { principal: `arn:aws:iam::${ACCT}:role/platform-admin`, action: "s3:PutObject", resource: trailObject, network: OUTSIDE },
            { chainKms: false },
        );
        expect(other.denials.map((d) => d.sid)).toEqual(["DenyForgedLogs"]);
        // The evidence write the deployer has today, as runbook/aws/s3.ts sends it (If-None-Match: *): the bucket
        // policy admits it (the KMS side is checked below).
        const evidencePut = (context: Record<string, string | null>) =>
            simulate(
                world,
                { principal: security.deployerRoleArn, action: "s3:PutObject", resource: `${ARCHIVE}/evidence/alpha/bundle.tar.gz`, network: OUTSIDE, context },
                { chainKms: false },
            );
        const evidence = await evidencePut({ "s3:if-none-match": "*" });
        expect(evidence.decision).toBe("Allowed");
        // Without the header (a put that would replace an existing bundle), or conditional on an ETag only: refused.
        for (const header of [null, '"9b2cf535f27731c974343645a3985328"']) {
            const overwrite = await evidencePut({ "s3:if-none-match": header });
            expect({ header, decision: overwrite.decision, sids: overwrite.denials.map((d) => d.sid) }).toEqual({
                header,
                decision: "ExplicitlyDenied",
                sids: ["EvidenceNeverOverwritten"],
            });
        }
        const key = sid(docOf(named(securityPlan, "aws:kms/key:Key", "-archive-key")), "DeployerEncryptsEvidenceViaS3");
        expect(key).toMatchObject({
            Principal: { AWS: `arn:aws:iam::${ACCT}:root` },
            Action: ["kms:GenerateDataKey"],
            Condition: { ArnEquals: { "aws:PrincipalArn": [security.deployerRoleArn] } },
        });
    });

    it("CloudTrail may write each trail's files only under that trail's prefix (aws:SourceArn), and no other principal writes there", async () => {
        const alphaTrail = `arn:aws:cloudtrail:us-east-1:${ACCT}:trail/enclave-alpha`;
        const own = `${ARCHIVE}/vendors/alpha/cloudtrail/AWSLogs/${ACCT}/x.json.gz`;
        const base = { principal: "cloudtrail.amazonaws.com", action: "s3:PutObject", network: { via: "service" as const }, sse: null };
        const ctx = (arn: string) => ({ "aws:SourceArn": arn, "aws:SourceAccount": ACCT, "s3:x-amz-acl": "bucket-owner-full-control" });
        const ok = await simulate(world, { ...base, resource: own, context: ctx(alphaTrail) }, { chainKms: false });
        expect(ok.decidedBy).toMatchObject({ layer: "resource", sid: "CloudTrailWriteAlpha" });
        const wrongTrail = await simulate(
            world,
            { ...base, resource: own, context: ctx(`arn:aws:cloudtrail:us-east-1:${ACCT}:trail/enclave-bravo`) },
            { chainKms: false },
        );
        expect(wrongTrail.allowed).toBe(false);
    });
});

describe("log delivery still works, pinned (simulated)", () => {
    it("vended logs write only under a vendor's flow-log or DNS prefix; S3 access logs only from that vendor's buckets to its prefix", async () => {
        const logs = { principal: "delivery.logs.amazonaws.com", action: "s3:PutObject", network: { via: "service" as const }, sse: null };
        const vended = {
            "aws:SourceArn": `arn:aws:logs:us-east-1:${ACCT}:delivery-source:x`,
            "aws:SourceAccount": ACCT,
            "s3:x-amz-acl": "bucket-owner-full-control",
        };
        for (const prefix of ["flow-logs", "dns-query-logs"]) {
            const ok = await simulate(
                world,
                { ...logs, resource: `${ARCHIVE}/vendors/alpha/${prefix}/AWSLogs/${ACCT}/x.log.gz`, context: vended },
                { chainKms: false },
            );
            expect({ prefix, by: ok.decidedBy.sid, decision: ok.decision }).toEqual({ prefix, by: "LogDeliveryWriteAlpha", decision: "Allowed" });
        }
        // Outside every vendor prefix (e.g. into the account trail's or evidence/): refused.
        for (const key of [`account/cloudtrail/AWSLogs/${ACCT}/x`, "evidence/alpha/x"]) {
            const r = await simulate(world, { ...logs, resource: `${ARCHIVE}/${key}`, context: vended }, { chainKms: false });
            expect({ key, allowed: r.allowed }).toEqual({ key, allowed: false });
        }
        const s3logs = { principal: "logging.s3.amazonaws.com", action: "s3:PutObject", network: { via: "service" as const }, sse: null };
        const fromAlpha = { "aws:SourceArn": `arn:aws:s3:::alpha--guidelines--${ACCT}`, "aws:SourceAccount": ACCT };
        const own = await simulate(
            world,
            { ...s3logs, resource: `${ACCESS_LOGS}/vendors/alpha/s3-access/guidelines/x`, context: fromAlpha },
            { chainKms: false },
        );
        expect(own.decidedBy).toMatchObject({ layer: "resource", sid: "S3ServerAccessLogsAlpha" });
        const intoBravo = await simulate(
            world,
            { ...s3logs, resource: `${ACCESS_LOGS}/vendors/bravo/s3-access/prompts/x`, context: fromAlpha },
            { chainKms: false },
        );
        expect(intoBravo.allowed).toBe(false);
    });
});

describe("grants pinned to their owner (simulated)", () => {
    it("a vendor or workload session cannot put into, or read from, a bucket named like its dataset that another account owns", async () => {
        const v = vendorFacts(world, "alpha");
        const squatted = `arn:aws:s3:::alpha--dropbox--${ACCT}/labels.jsonl`;
        const open: PolicyDocument = {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "OpenToAll",
                    Effect: "Allow",
                    Principal: "*",
                    Action: "s3:*",
                    Resource: [`arn:aws:s3:::alpha--dropbox--${ACCT}`, `arn:aws:s3:::alpha--dropbox--${ACCT}/*`],
                },
            ],
        };
        for (const principal of [v.vendorRoleArn, v.workloadRoleArn]) {
            const req = {
                principal,
                action: "s3:PutObject",
                resource: squatted,
                resourceAccount: OTHER_ACCOUNT,
                resourcePolicy: open,
                network: { via: "endpoint" as const, endpointId: v.s3EndpointId },
                sse: { algorithm: "AES256" as const },
            };
            const r = await simulate(world, req, { chainKms: false });
            expect({ principal, decision: r.decision }).toEqual({ principal, decision: "ImplicitlyDenied" });
            for (const keep of ["identity", "boundary", "endpoint"] as Layer[]) {
                const alone = await simulateOnly(world, req, keep, { chainKms: false });
                expect({ principal, keep, allowed: alone.allowed, layer: alone.decidedBy.layer }).toEqual({ principal, keep, allowed: false, layer: keep });
            }
            // Control: the same put into the lab's own bucket is allowed, so the refusal above is the owner pin.
            const own = await simulate(world, { ...req, resource: squatted, resourceAccount: ACCT, resourcePolicy: undefined, sse: null });
            expect({ principal, decision: own.decision }).toEqual({ principal, decision: "Allowed" });
        }
        const read = await simulate(
            world,
            {
                principal: v.vendorRoleArn,
                action: "s3:GetObject",
                resource: `arn:aws:s3:::alpha--guidelines--${ACCT}/x`,
                resourceAccount: OTHER_ACCOUNT,
                resourcePolicy: open,
                network: { via: "endpoint", endpointId: v.s3EndpointId },
            },
            { chainKms: false },
        );
        expect(read.allowed).toBe(false);
    });
});

describe("the security plan shows the alarm path and the pinned sources", () => {
    it("the alarm topic and the trail log group use the alarm key, not the archive key; the topic has the spec's subscriptions", () => {
        const alarmKey = named(securityPlan, "aws:kms/key:Key", "-alarm-key");
        const archiveKey = named(securityPlan, "aws:kms/key:Key", "-archive-key");
        expect(alarmKey.outputs.arn).not.toBe(archiveKey.outputs.arn);
        const topic = named(securityPlan, "aws:sns/topic:Topic", "-alarms");
        expect(topic.inputs.kmsMasterKeyId).toBe(alarmKey.outputs.arn);
        expect(named(securityPlan, "aws:cloudwatch/logGroup:LogGroup", "-trail-logs").inputs.kmsKeyId).toBe(alarmKey.outputs.arn);
        const subs = ofType(securityPlan, "aws:sns/topicSubscription:TopicSubscription").map((s) => [s.inputs.protocol, s.inputs.endpoint, s.inputs.topic]);
        expect(subs.sort()).toEqual(
            [
                ["email", "secops@lab.example", topic.outputs.arn],
                ["https", "https://pager.example/enclave", topic.outputs.arn],
                ["sqs", `arn:aws:sqs:us-east-1:${ACCT}:enclave-alarms`, topic.outputs.arn],
            ].sort(),
        );
        const topicPolicy = docOf(named(securityPlan, "aws:sns/topicPolicy:TopicPolicy", "-alarms-policy"));
        expect(sid(topicPolicy, "DenyTopicTamperingToOthers")).toMatchObject({
            Effect: "Deny",
            Condition: { StringNotEquals: { "aws:PrincipalArn": [security.archiveAdminRoleArn, security.breakGlassRoleArn] } },
        });
        // The alarm key is administered like the archive key.
        expect(sid(docOf(alarmKey), "DenyKeyTamperingToOthers")).toMatchObject({
            Effect: "Deny",
            Principal: "*",
            Condition: { StringNotEquals: { "aws:PrincipalArn": [security.archiveAdminRoleArn, security.breakGlassRoleArn] } },
        });
    });

    it("every archive write statement names its exact source: trail ARNs per vendor prefix, the vended-logs source per vendor prefix", () => {
        const policy = docOf(named(securityPlan, "aws:s3/bucketPolicy:BucketPolicy", "-archive-policy"));
        for (const v of vendors) {
            const S = v.id[0].toUpperCase() + v.id.slice(1);
            expect(sid(policy, `CloudTrailWrite${S}`)).toEqual({
                Sid: `CloudTrailWrite${S}`,
                Effect: "Allow",
                Principal: { Service: "cloudtrail.amazonaws.com" },
                Action: "s3:PutObject",
                Resource: `${ARCHIVE}/vendors/${v.id}/cloudtrail/AWSLogs/${ACCT}/*`,
                Condition: {
                    StringEquals: {
                        "aws:SourceAccount": ACCT,
                        "aws:SourceArn": `arn:aws:cloudtrail:us-east-1:${ACCT}:trail/enclave-${v.id}`,
                        "s3:x-amz-acl": "bucket-owner-full-control",
                    },
                },
            });
            expect(sid(policy, `LogDeliveryWrite${S}`)).toMatchObject({
                Principal: { Service: "delivery.logs.amazonaws.com" },
                Resource: [`${ARCHIVE}/vendors/${v.id}/flow-logs/AWSLogs/${ACCT}/*`, `${ARCHIVE}/vendors/${v.id}/dns-query-logs/AWSLogs/${ACCT}/*`],
                Condition: { ArnLike: { "aws:SourceArn": `arn:aws:logs:us-east-1:${ACCT}:*` } },
            });
        }
        expect(sid(policy, "CloudTrailWriteAccountTrail")).toMatchObject({
            Condition: { StringEquals: { "aws:SourceArn": `arn:aws:cloudtrail:us-east-1:${ACCT}:trail/enclave-account-trail` } },
        });
        // No write Allow without a source pin.
        for (const s of policy.Statement.filter((x) => x.Effect === "Allow")) expect(JSON.stringify(s.Condition), String(s.Sid)).toContain("aws:SourceArn");
        const accessLogs = docOf(named(securityPlan, "aws:s3/bucketPolicy:BucketPolicy", "-access-logs-policy"));
        expect(sid(accessLogs, "S3ServerAccessLogsAlpha")).toMatchObject({
            Resource: `${ACCESS_LOGS}/vendors/alpha/s3-access/*`,
            Condition: { ArnEquals: { "aws:SourceArn": ["guidelines", "dropbox", "scratch"].map((d) => `arn:aws:s3:::alpha--${d}--${ACCT}`) } },
        });
    });

    it("one tripwire alarm per vendor with a readable dataset, its pattern a secret; tripwires are a secret output", () => {
        for (const v of vendors) {
            const filter = named(securityPlan, "aws:cloudwatch/logMetricFilter:LogMetricFilter", `-tripwire-${v.id}-filter`);
            // The key is a generated secret: the plan shows the pattern with the secret redacted, never its value.
            expect(filter.inputs.pattern).toBe(tripwireFilter(v.id, shownTripwireKey(v.id), security.deployerRoleArn).pattern);
            expect(JSON.stringify(securityPlan)).not.toContain(mockGeneratedSecret(`security-tripwire-${v.id}-key`));
            const alarm = named(securityPlan, "aws:cloudwatch/metricAlarm:MetricAlarm", `-tripwire-${v.id}-alarm`);
            expect(alarm.inputs.alarmDescription).toBe(`Tripwire object of vendor ${v.id} read or copied: contain it with \`enclave seal ${v.id}\``);
            expect(alarm.inputs.alarmActions).toEqual([named(securityPlan, "aws:sns/topic:Topic", "-alarms").outputs.arn]);
        }
        // The builder itself, on exact values: every read of the object (GetObject, GetObjectAttributes,
        // SelectObjectContent, GetObjectTorrent, RestoreObject) but the deployer's HeadObject (its provider's read-back),
        // and any server-side copy whose destination is one of the vendor's buckets (the trail records only events of
        // the tripwire objects, so such a copy has the tripwire as its source). The deployer's PutObject is no match.
        // What this cannot prove: that AWS's filter engine evaluates the pattern as written (no AWS here).
        expect(tripwireFilter("alpha", "holdout/abc.jsonl", security.deployerRoleArn).pattern).toBe(
            `{($.eventSource=s3.amazonaws.com)&&((($.requestParameters.key="holdout/abc.jsonl")&&((($.eventName=GetObject)||($.eventName=GetObjectAttributes)||($.eventName=SelectObjectContent)||($.eventName=GetObjectTorrent)||($.eventName=RestoreObject))||(($.eventName=HeadObject)&&($.userIdentity.sessionContext.sessionIssuer.arn!="${security.deployerRoleArn}"))))||((($.eventName=CopyObject)||($.eventName=UploadPartCopy))&&($.requestParameters.bucketName="alpha--*")))}`,
        );
        expect(tripwireFilter("alpha", "holdout/abc.jsonl", security.deployerRoleArn).pattern).not.toMatch(/PutObject|DeleteObject/);
        expect(
            ofType(securityPlan, "random:index/randomPassword:RandomPassword")
                .map((r) => r.name)
                .sort(),
        ).toEqual(["alpha-content", "alpha-key", "bravo-content", "bravo-key"].map((s) => `security-tripwire-${s}`));
        expect(securityPlan.outputs?.tripwires).toBe("[secret]");
        // The account trail records reads of exactly the planted objects. The selectors are a secret input as a whole
        // (they name the keys), so the plan shows only the ARNs, with the keys' secrets redacted.
        const trail = named(securityPlan, "aws:cloudtrail/trail:Trail", "-account-trail");
        expect(trail.secretInputs).toContain("advancedEventSelectors");
        const selectors = trail.inputs.advancedEventSelectors as { fieldSelectors: { equals?: string[] }[] }[];
        // The whole selector is redacted but for the ARNs: its three fields are the builder's, below.
        expect(selectors[1].fieldSelectors).toHaveLength(3);
        expect(selectors[1].fieldSelectors[2].equals).toEqual([
            `arn:aws:s3:::alpha--guidelines--${ACCT}/${shownTripwireKey("alpha")}`,
            `arn:aws:s3:::alpha--scratch--${ACCT}/${shownTripwireKey("alpha")}`,
            `arn:aws:s3:::bravo--prompts--${ACCT}/${shownTripwireKey("bravo")}`,
        ]);
        // Reads and writes alike (no readOnly field): a server-side copy out of a tripwire is a write event.
        expect(tripwireEventSelector(["arn:aws:s3:::b/k"])).toEqual({
            name: "Tripwire object events",
            fieldSelectors: [
                { field: "eventCategory", equals: ["Data"] },
                { field: "resources.type", equals: ["AWS::S3::Object"] },
                { field: "resources.ARN", equals: ["arn:aws:s3:::b/k"] },
            ],
        });
    });

    it("alarm patterns name the exact keys, buckets and deployer, and each fits CloudWatch's 1024-character limit", () => {
        const f = alarmFilters({
            accountId: "111122223333",
            archiveKeyArn: "arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555",
            alarmKeyArn: "arn:aws:kms:us-east-1:111122223333:key/66666666-7777-8888-9999-000000000000",
            archiveBucketName: "enclave-log-archive-111122223333-us-east-1",
            accessLogBucketName: "enclave-access-logs-111122223333-us-east-1",
            deployerRoleArn: "arn:aws:iam::111122223333:role/path/enclave-deployer-with-a-long-name",
        });
        for (const x of [
            ...f,
            tripwireFilter("a-twenty-char-vendor", tripwireKeyOf("x".repeat(24)), "arn:aws:iam::111122223333:role/path/enclave-deployer-with-a-long-name"),
        ])
            expect({ key: x.key, tooLong: x.pattern.length > MAX_FILTER_PATTERN }).toEqual({ key: x.key, tooLong: false });
        const byKey = Object.fromEntries(f.map((x) => [x.key, x.pattern]));
        expect(byKey["evidence-key-tampering"]).toContain('($.resources[0].ARN="arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555")');
        expect(byKey["evidence-bucket-changes"]).toContain('($.requestParameters.bucketName="enclave-access-logs-111122223333-us-east-1")');
        expect(byKey["evidence-bucket-changes"]).toContain("($.eventName=PutObjectLockConfiguration)");
        expect(byKey["enclave-role-changes"]).toContain(
            '($.userIdentity.sessionContext.sessionIssuer.arn!="arn:aws:iam::111122223333:role/path/enclave-deployer-with-a-long-name")',
        );
        expect(byKey["trail-changes"]).toContain("($.eventName=StopLogging)");
        expect(byKey["dns-firewall-changes"]).toContain("($.eventName=DisassociateFirewallRuleGroup)");
        // A sealed vendor key re-enabled or saved from deletion is as alarming as a rewritten key policy.
        expect(byKey["vendor-key-changes"]).toBe(
            '{($.eventSource=kms.amazonaws.com)&&(($.eventName=PutKeyPolicy)||($.eventName=CreateGrant)||($.eventName=EnableKey)||($.eventName=CancelKeyDeletion))&&($.resources[0].ARN!="arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555")&&($.resources[0].ARN!="arn:aws:kms:us-east-1:111122223333:key/66666666-7777-8888-9999-000000000000")}',
        );
        expect(byKey["kms-decrypt-outside-s3"]).toContain('($.sourceIPAddress!="s3.amazonaws.com")');
    });

    it("`enclave plan --security` shows the alarm key, the subscriptions, the pinned sources and a tripwire alarm per vendor", async () => {
        const { code, out } = await runCli(["plan", "--security", "--security-spec", path.join(DIR, "security.yaml"), "--json"]);
        expect(code).toBe(0);
        const plan = JSON.parse(out) as Plan;
        const names = plan.resources.map((r) => r.name);
        expect(names).toEqual(expect.arrayContaining(["security-alarm-key", "security-tripwire-alpha-alarm", "security-tripwire-bravo-alarm"]));
        expect(ofType(plan, "aws:sns/topicSubscription:TopicSubscription")).toHaveLength(3);
        expect(out).toContain(`arn:aws:cloudtrail:us-east-1:${ACCT}:trail/enclave-bravo`);
    });
});

describe("tripwires planted by the vendor stacks", () => {
    const vendorKey = (id: string) => String(named(vendorPlans[id], "aws:kms/key:Key", "-key-key").outputs.arn);
    const readable = (v: VendorSpec) => v.datasets.filter((d) => d.access !== "write").map((d) => d.name);

    it("each readable dataset holds one tripwire object: key and body from the security stack's secrets, the vendor key, the tags; a write-only dataset none", () => {
        for (const v of vendors) {
            const objects = ofType(vendorPlans[v.id], "aws:s3/bucketObjectv2:BucketObjectv2");
            expect(objects.map((o) => o.name).sort()).toEqual(
                readable(v)
                    .map((d) => `${v.id}-canary-${d}`)
                    .sort(),
            );
            for (const d of readable(v)) {
                const o = objects.find((x) => x.name === `${v.id}-canary-${d}`)!;
                expect(o.inputs).toEqual({
                    bucket: `${v.id}--${d}--${ACCT}`,
                    key: shownTripwireKey(v.id),
                    content: '{"id":"[secret]","text":""}\n',
                    contentType: "application/octet-stream",
                    serverSideEncryption: "aws:kms",
                    kmsKeyId: vendorKey(v.id),
                    bucketKeyEnabled: true,
                    tags: { "enclave:vendor": v.id, "enclave:managed-by": "vendor-enclaves" },
                });
                // Stored encrypted in the vendor stack's state; never in its outputs.
                expect(o.secretInputs).toEqual(["content", "key"]);
            }
            const plan = JSON.stringify(vendorPlans[v.id]);
            for (const part of ["key", "content"]) expect(plan).not.toContain(mockGeneratedSecret(`security-tripwire-${v.id}-${part}`));
            expect(JSON.stringify(vendorPlans[v.id].outputs)).not.toContain(shownTripwireKey(v.id));
        }
        // Unique per vendor: each key holds its own vendor's secret.
        expect(mockSecurityOutputs(security, vendors).tripwires.alpha.key).not.toBe(mockSecurityOutputs(security, vendors).tripwires.bravo.key);
    });

    it("a tripwire key is the whole secret under a folder and type chosen by it: no fixed prefix or suffix", () => {
        expect(tripwireKeyOf("abcdefghijklmnop0123")).toBe("holdout/abcdefghijklmnop0123.json.gz");
        expect(tripwireKeyOf("qqqqqqqqqqqqqqqqqq01")).toBe("batches/qqqqqqqqqqqqqqqqqq01.jsonl");
        const keys = Array.from({ length: 64 }, (_, i) =>
            tripwireKeyOf(`secret${String(i).padStart(12, "0")}${"abcdefghijklmnopqrstuvwxyz0123456789"[i % 36]}`),
        );
        expect(new Set(keys.map((k) => k.split("/")[0])).size).toBeGreaterThan(8);
        expect(new Set(keys.map((k) => k.slice(k.indexOf(".")))).size).toBe(4);
        expect(() => tripwireKeyOf("short")).toThrow("16 or more lowercase letters and digits");
    });

    it("the deployer may put exactly the tripwire and encrypt only for the readable buckets; it reads no content (simulated)", async () => {
        const bucket = `arn:aws:s3:::alpha--guidelines--${ACCT}`;
        const canary = `${bucket}/${shownTripwireKey("alpha")}`;
        const policy = docOf(named(vendorPlans.alpha, "aws:s3/bucketPolicy:BucketPolicy", "alpha-guidelines-policy"));
        expect(sid(policy, "DeployerPutsTripwireOnly")).toEqual({
            Sid: "DeployerPutsTripwireOnly",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            NotResource: canary,
            Condition: { ArnEquals: { "aws:PrincipalArn": [security.deployerRoleArn] } },
        });
        expect(sid(policy, "DenyDeployerDataReads")).toMatchObject({ NotResource: canary });
        // A write-only dataset: no tripwire, and no put by the deployer at all.
        expect(sid(docOf(named(vendorPlans.alpha, "aws:s3/bucketPolicy:BucketPolicy", "alpha-dropbox-policy")), "DeployerPutsTripwireOnly")).toBeUndefined();
        expect(sid(docOf(named(vendorPlans.alpha, "aws:kms/key:Key", "alpha-key-key")), "DeployerPlantsTripwires")).toEqual({
            Sid: "DeployerPlantsTripwires",
            Effect: "Allow",
            Principal: { AWS: [`arn:aws:iam::${ACCT}:root`] },
            Action: ["kms:GenerateDataKey"],
            Resource: "*",
            Condition: {
                StringEquals: {
                    "kms:ViaService": "s3.us-east-1.amazonaws.com",
                    "kms:CallerAccount": ACCT,
                    "kms:EncryptionContext:aws:s3:arn": [bucket, `arn:aws:s3:::alpha--scratch--${ACCT}`],
                },
                ArnEquals: { "aws:PrincipalArn": [security.deployerRoleArn] },
            },
        });
        const deployer = { principal: security.deployerRoleArn, network: OUTSIDE };
        const put = await simulate(world, { ...deployer, action: "s3:PutObject", resource: canary, sse: null }, { chainKms: false });
        expect(put.decision).toBe("Allowed");
        const other = await simulate(world, { ...deployer, action: "s3:PutObject", resource: `${bucket}/holdout/other.jsonl`, sse: null }, { chainKms: false });
        expect({ decision: other.decision, sids: other.denials.map((d) => d.sid) }).toEqual({
            decision: "ExplicitlyDenied",
            sids: ["DeployerPutsTripwireOnly"],
        });
        const data = await simulate(world, { ...deployer, action: "s3:GetObject", resource: `${bucket}/holdout/other.jsonl` }, { chainKms: false });
        expect(data.denials.map((d) => d.sid)).toEqual(["DenyDeployerDataReads"]);
        // The provider's read-back of the tripwire (HeadObject is s3:GetObject) passes the bucket policy; its content
        // does not decrypt for the deployer.
        const readBack = await simulate(world, { ...deployer, action: "s3:GetObject", resource: canary }, { chainKms: false });
        expect(readBack.decision).toBe("Allowed");
        const content = await simulate(world, { ...deployer, action: "s3:GetObject", resource: canary });
        expect({ allowed: content.allowed, layer: content.decidedBy.layer }).toEqual({ allowed: false, layer: "key" });
        // KMS: no Decrypt for the deployer through S3. Which buckets its data key may serve is the statement's
        // kms:EncryptionContext:aws:s3:arn, asserted above: iam-simulate ignores that key for KMS actions
        // (ignoredContextKeys), so a simulation could not tell a readable bucket from another.
        const decrypt = await simulate(world, {
            principal: security.deployerRoleArn,
            action: "kms:Decrypt",
            resource: vendorKey("alpha"),
            network: { via: "service" },
            viaService: "s3.us-east-1.amazonaws.com",
        });
        expect(decrypt.allowed).toBe(false);
        // The vendor reads it like any object of the dataset: the read is what raises the alarm.
        const v = vendorFacts(world, "alpha");
        const vendorRead = await simulate(world, {
            principal: v.vendorRoleArn,
            action: "s3:GetObject",
            resource: canary,
            network: { via: "endpoint", endpointId: v.s3EndpointId },
        });
        expect(vendorRead.decision).toBe("Allowed");
    });

    it("the alarm path does not go through the vendor key: the seal's DisableKey leaves recording and alarming intact", () => {
        const archiveKey = named(securityPlan, "aws:kms/key:Key", "-archive-key").outputs.arn;
        const alarmKey = named(securityPlan, "aws:kms/key:Key", "-alarm-key").outputs.arn;
        expect(named(securityPlan, "aws:cloudtrail/trail:Trail", "-account-trail").inputs.kmsKeyId).toBe(archiveKey);
        expect(named(securityPlan, "aws:cloudwatch/logGroup:LogGroup", "-trail-logs").inputs.kmsKeyId).toBe(alarmKey);
        for (const v of vendors) expect([archiveKey, alarmKey]).not.toContain(vendorKey(v.id));
    });
});

describe("the access-log bucket is read by investigators only (simulated)", () => {
    it("the deployer, another lab admin and a vendor role are refused GetObject; the archive administrator and break-glass read", async () => {
        const object = `${ACCESS_LOGS}/vendors/alpha/s3-access/guidelines/2026-11-30-12-00-00-ABCDEF`;
        const policy = docOf(named(securityPlan, "aws:s3/bucketPolicy:BucketPolicy", "-access-logs-policy"));
        expect(sid(policy, "DenyLogReadsToOthers")).toEqual({
            Sid: "DenyLogReadsToOthers",
            Effect: "Deny",
            Principal: "*",
            Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAttributes", "s3:GetObjectVersionAttributes", "s3:RestoreObject"],
            Resource: `${ACCESS_LOGS}/*`,
            Condition: { StringNotEquals: { "aws:PrincipalArn": [security.archiveAdminRoleArn, security.breakGlassRoleArn] } },
        });
        // Never a vendor principal by name: the statement names only the two administrators.
        expect(JSON.stringify(sid(policy, "DenyLogReadsToOthers"))).not.toMatch(/enclave-(alpha|bravo)/);
        const v = vendorFacts(world, "alpha");
        for (const principal of [security.deployerRoleArn, `arn:aws:iam::${ACCT}:role/platform-admin`, v.vendorRoleArn]) {
            for (const action of ["s3:GetObject", "s3:GetObjectVersion"]) {
                const r = await simulate(world, { principal, action, resource: object, network: OUTSIDE });
                expect({ principal, action, decision: r.decision, denied: r.denials.map((d) => d.sid).includes("DenyLogReadsToOthers") }).toEqual({
                    principal,
                    action,
                    decision: "ExplicitlyDenied",
                    denied: true,
                });
            }
        }
        for (const principal of [security.archiveAdminRoleArn, security.breakGlassRoleArn]) {
            const r = await simulate(world, { principal, action: "s3:GetObject", resource: object, network: OUTSIDE });
            expect({ principal, decision: r.decision }).toEqual({ principal, decision: "Allowed" });
        }
    });
});

describe("alarms on enclave roles and the enclave VPC", () => {
    it("enclave-pass-role: an enclave instance profile or role passed by anyone but the deployer (exact pattern)", () => {
        const filter = named(securityPlan, "aws:cloudwatch/logMetricFilter:LogMetricFilter", "-enclave-pass-role-filter");
        const profile = `arn:aws:iam::${ACCT}:instance-profile/enclave-*`;
        const role = `arn:aws:iam::${ACCT}:role/enclave-*`;
        expect(filter.inputs.pattern).toBe(
            `{(($.requestParameters.iamInstanceProfile.name="enclave-*")||($.requestParameters.iamInstanceProfile.arn="${profile}")||($.requestParameters.AssociateIamInstanceProfileRequest.IamInstanceProfile.Name="enclave-*")||($.requestParameters.AssociateIamInstanceProfileRequest.IamInstanceProfile.Arn="${profile}")||($.requestParameters.ReplaceIamInstanceProfileAssociationRequest.IamInstanceProfile.Name="enclave-*")||($.requestParameters.role="${role}")||($.requestParameters.roleArn="${role}"))&&($.userIdentity.sessionContext.sessionIssuer.arn!="${security.deployerRoleArn}")}`,
        );
        const alarm = named(securityPlan, "aws:cloudwatch/metricAlarm:MetricAlarm", "-enclave-pass-role-alarm");
        expect(alarm.inputs.alarmActions).toEqual([named(securityPlan, "aws:sns/topic:Topic", "-alarms").outputs.arn]);
    });

    it("each vendor stack has a launch rule and an endpoint rule on its own VPC, publishing to the alarm topic (exact patterns)", () => {
        const topicArn = mockSecurityOutputs(security).alarmTopicArn;
        for (const v of vendors) {
            const vpcId = String(named(vendorPlans[v.id], "aws:ec2/vpc:Vpc", "-vpc").outputs.id);
            const rule = (key: string) => named(vendorPlans[v.id], "aws:cloudwatch/eventRule:EventRule", `-audit-${key}`);
            const common = { source: ["aws.ec2"], "detail-type": ["AWS API Call via CloudTrail"] };
            expect(JSON.parse(String(rule("vpc-launches").inputs.eventPattern))).toEqual({
                ...common,
                detail: {
                    eventSource: ["ec2.amazonaws.com"],
                    eventName: ["RunInstances"],
                    responseElements: { instancesSet: { items: { vpcId: [vpcId] } } },
                    $or: [
                        { userIdentity: { type: [{ "anything-but": "AssumedRole" }] } },
                        { userIdentity: { sessionContext: { sessionIssuer: { arn: [{ "anything-but": security.deployerRoleArn }] } } } },
                    ],
                },
            });
            expect(JSON.parse(String(rule("vpc-endpoints").inputs.eventPattern))).toEqual({
                ...common,
                detail: {
                    eventSource: ["ec2.amazonaws.com"],
                    eventName: ["CreateVpcEndpoint"],
                    requestParameters: { CreateVpcEndpointRequest: { VpcId: [vpcId] } },
                },
            });
            // The builder is what the plan shows.
            expect(enclaveVpcRules(v.id, vpcId, security.deployerRoleArn).map((r) => [r.key, JSON.stringify(r.pattern)])).toEqual(
                ["vpc-launches", "vpc-endpoints"].map((k) => [k, rule(k).inputs.eventPattern]),
            );
            for (const key of ["vpc-launches", "vpc-endpoints"]) {
                expect(rule(key).inputs.name).toBe(`enclave-${v.id}-${key}`);
                const target = named(vendorPlans[v.id], "aws:cloudwatch/eventTarget:EventTarget", `-audit-${key}-alarm`);
                expect({ rule: target.inputs.rule, arn: target.inputs.arn }).toEqual({ rule: `enclave-${v.id}-${key}`, arn: topicArn });
                expect(String((target.inputs.inputTransformer as { inputTemplate: string }).inputTemplate)).toContain(`vendor ${v.id}`);
            }
        }
        const topicPolicy = docOf(named(securityPlan, "aws:sns/topicPolicy:TopicPolicy", "-alarms-policy"));
        expect(sid(topicPolicy, "EnclaveRulesPublish")).toEqual({
            Sid: "EnclaveRulesPublish",
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: "sns:Publish",
            Resource: named(securityPlan, "aws:sns/topic:Topic", "-alarms").outputs.arn,
            Condition: { StringEquals: { "aws:SourceAccount": ACCT }, ArnLike: { "aws:SourceArn": `arn:aws:events:us-east-1:${ACCT}:rule/enclave-*` } },
        });
        expect(sid(docOf(named(securityPlan, "aws:kms/key:Key", "-alarm-key")), "EnclaveRulesToEncryptedTopic")).toMatchObject({
            Principal: { Service: "events.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        });
    });
});

describe("workload logs survive the seal", () => {
    it("the workload log group is encrypted with the archive key (not the vendor key the seal disables), admitted for exactly that group", () => {
        const archiveKeyArn = mockSecurityOutputs(security).archiveKeyArn;
        const archiveKey = docOf(named(securityPlan, "aws:kms/key:Key", "-archive-key"));
        for (const v of vendors) {
            const group = named(vendorPlans[v.id], "aws:cloudwatch/logGroup:LogGroup", "-audit-workload-logs");
            expect(group.inputs.kmsKeyId).toBe(archiveKeyArn);
            expect(group.inputs.kmsKeyId).not.toBe(named(vendorPlans[v.id], "aws:kms/key:Key", "-key-key").outputs.arn);
            const S = v.id[0].toUpperCase() + v.id.slice(1);
            expect(sid(archiveKey, `WorkloadLogs${S}`)).toEqual({
                Sid: `WorkloadLogs${S}`,
                Effect: "Allow",
                Principal: { Service: "logs.us-east-1.amazonaws.com" },
                Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                Resource: "*",
                Condition: { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:us-east-1:${ACCT}:log-group:/enclave/${v.id}/workload` } },
            });
        }
        // The archive key stays out of the seal's reach: the vendor stack's documents never administer it.
        expect(named(securityPlan, "aws:kms/key:Key", "-archive-key").outputs.arn).toBe(archiveKeyArn);
    });
});

describe("spec checks", () => {
    it("a stacks folder whose two vendor specs share a principal is refused with exit 2, naming both files", async () => {
        const dir = path.join(DIR, "shared-principal");
        expect(() => loadFolderVendors(dir)).toThrow(SpecError);
        for (const argv of [
            ["plan", "--all", "--stacks-dir", dir],
            ["plan", "--security", "--security-spec", path.join(dir, "security.yaml")],
        ]) {
            const { code, err } = await runCli(argv);
            expect({ argv, code }).toEqual({ argv, code: 2 });
            expect(err).toContain("access.principals lists arn:aws:iam::444455556666:role/alpha-annotators");
            expect(err).toMatch(/alpha\.yaml/);
            expect(err).toMatch(/bravo\.yaml/);
        }
    });

    it("a security spec without alarm subscriptions, or without an archive administrator apart from the deployer, is refused with exit 2", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "evidence-"));
        const base = fs.readFileSync(path.join(DIR, "security.yaml"), "utf8");
        const cases: [string, string][] = [
            [base.replace(/alarms:[\s\S]*?archive:/, "archive:"), "alarms is missing"],
            [
                base.replace(/ {4}- email[\s\S]*?(?=archive:)/, "    []\n").replace("subscriptions:\n    []", "subscriptions: []"),
                "alarms.subscriptions is empty",
            ],
            [
                base.replace("- email: secops@lab.example", "- email: secops@lab.example\n      sqs: arn:aws:sqs:us-east-1:111122223333:q"),
                "must name exactly one of email, https or sqs",
            ],
            [base.replace("role/enclave-archive-admin", "role/enclave-deployer"), "archiveAdminRoleArn is the deployer role"],
        ];
        for (const [text, expected] of cases) {
            const file = path.join(dir, "security.yaml");
            fs.writeFileSync(file, text);
            expect(() => loadSecuritySpec(file)).toThrow(expected);
            const { code, err } = await runCli(["plan", "--security", "--security-spec", file]);
            expect({ expected, code }).toEqual({ expected, code: 2 });
            expect(err).toContain(expected);
        }
    });

    it("the example vendor spec with a plain-text external ID is gone: loadVendorSpec of the fixture leaves it to the program", () => {
        const alpha = loadVendorSpec(path.join(DIR, "alpha.yaml"), "alpha");
        expect(alpha.access.externalId).toBeUndefined();
    });
});

describe("guardrails for the owner pin and the evidence keys (planted violations)", () => {
    const check = async (plan: Plan, policy: string) => {
        const p = ALL_POLICIES.find((x) => x.name === policy)!;
        expect(p, policy).toBeDefined();
        return (await checkPlan(plan, { resourcePolicies: [], stackPolicies: [p as StackValidationPolicy] })).map((v) => v.message);
    };
    const edit = (plan: Plan, name: string, f: (d: { Statement: Record<string, unknown>[] }) => void): Plan => {
        const copy = structuredClone(plan);
        const r = copy.resources.find((x) => x.name === name)!;
        const d = JSON.parse(String(r.inputs.policy));
        f(d);
        r.inputs.policy = JSON.stringify(d);
        r.outputs.policy = r.inputs.policy;
        return copy;
    };

    it("s3-grants-pinned-to-owner: clean as planned; a grant without s3:ResourceAccount, or pinned to another account, is named", async () => {
        expect(await check(vendorPlans.alpha, "s3-grants-pinned-to-owner")).toEqual([]);
        const unpinned = edit(vendorPlans.alpha, "alpha-identity-boundary", (d) => {
            delete (d.Statement.find((s) => s.Sid === "PutWritableObjects") as { Condition?: unknown }).Condition;
        });
        expect(await check(unpinned, "s3-grants-pinned-to-owner")).toEqual([
            `alpha-identity-boundary policy statement "PutWritableObjects" grants S3 on arn:aws:s3:::alpha--dropbox--${ACCT}, arn:aws:s3:::alpha--scratch--${ACCT} without an s3:ResourceAccount condition`,
        ]);
        const foreign = edit(vendorPlans.alpha, "alpha-network-s3-endpoint", (d) => {
            (d.Statement.find((s) => s.Sid === "GetReadableObjects") as { Condition: { StringEquals: Record<string, string> } }).Condition.StringEquals[
                "s3:ResourceAccount"
            ] = OTHER_ACCOUNT;
        });
        expect(await check(foreign, "s3-grants-pinned-to-owner")).toEqual([
            `alpha-network-s3-endpoint policy statement "GetReadableObjects" pins s3:ResourceAccount to ${OTHER_ACCOUNT}, not the buckets' account ${ACCT}`,
        ]);
    });

    it("kms-evidence-keys-administered-apart: clean as planned; the archive key without its deny is named", async () => {
        expect(await check(securityPlan, "kms-evidence-keys-administered-apart")).toEqual([]);
        const open = edit(securityPlan, "security-archive-key", (d) => {
            d.Statement = d.Statement.filter((s) => s.Sid !== "DenyKeyTamperingToOthers");
        });
        expect(await check(open, "kms-evidence-keys-administered-apart")).toEqual([
            "security-archive-key policy does not deny kms:DisableKey, kms:ScheduleKeyDeletion, kms:PutKeyPolicy, kms:CreateGrant, kms:DisableKeyRotation to every principal but its administrators (by aws:PrincipalArn)",
        ]);
    });
});
