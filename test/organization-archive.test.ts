// The log archive in account mode: each account-mode vendor's trail, flow logs and DNS query logs live in its member
// account and deliver to the archive in the security stack's account. The security stack is planned with two
// account-mode fixture vendors beside it; iam-simulate evaluates the archive's rendered bucket and key policies for
// deliveries that name each member account, another vendor's prefix, and an account outside the organization.
//
// What this cannot prove: that CloudTrail and log delivery send exactly these aws:SourceArn / aws:SourceAccount values
// and encryption context (AWS documentation, not simulation), nor that S3 and KMS enforce the documents as simulated.
import { beforeAll, describe, expect, it } from "vitest";
import type { PolicyDocument } from "../contract/policy";
import type { SecuritySpec, VendorSpec } from "../config/schema";
import { planSecurity, planVendor } from "../plan/stacks";
import type { Plan } from "../plan/types";
import { simulate, worldFromPlans, type World } from "../review/simulate";
import { checkPlan } from "../guardrails/offline";
import { ACME, EVALCORP, securityFixture } from "./support/fixtures";
import { accountModeFixture } from "./support/orgFacts";

const MEMBER: Record<string, string> = { [ACME]: "210987654321", [EVALCORP]: "210987654322" };
/** Not in the organization: an account anyone can open and name a trail after a vendor's. */
const OUTSIDE = "555566667777";
const REGION = "us-east-1";

let security: SecuritySpec;
let vendors: VendorSpec[];
let securityPlan: Plan;
let world: World;
let archive: string;
let archiveKey: string;

const trail = (account: string, vendorId: string) => `arn:aws:cloudtrail:${REGION}:${account}:trail/enclave-${vendorId}`;
const deliveredBy = (service: string) => ({ principal: service, network: { via: "service" as const }, sse: null });

beforeAll(async () => {
    security = securityFixture();
    vendors = [accountModeFixture(ACME, MEMBER[ACME]), accountModeFixture(EVALCORP, MEMBER[EVALCORP])];
    securityPlan = await planSecurity(security, vendors);
    world = worldFromPlans(securityPlan);
    archive = `arn:aws:s3:::enclave-log-archive-${security.account.id}-${REGION}`;
    const keys = [...world.keys.values()].filter((k) => JSON.stringify(k.policy).includes("CloudTrailEncryptMember"));
    expect(keys).toHaveLength(1);
    archiveKey = keys[0].arn;
}, 120_000);

describe("the archive admits account-mode vendors' deliveries, each to its own prefix (simulated)", () => {
    it("the trail the vendor stack plans in its member account is the one the archive names", async () => {
        const plan = await planVendor(vendors[0], security);
        const t = plan.resources.find((r) => r.type === "aws:cloudtrail/trail:Trail")!;
        expect(t.inputs.s3KeyPrefix).toBe(`vendors/${ACME}/cloudtrail`);
        const arn = trail(MEMBER[ACME], ACME);
        expect(String(t.inputs.name)).toBe(`enclave-${ACME}`);
        const bucketPolicy = JSON.stringify(world.buckets.get(archive)!.policy);
        expect(bucketPolicy).toContain(`"aws:SourceArn":"${arn}"`);
        // Never a wildcard account in any CloudTrail or log-delivery statement of the archive.
        const doc = world.buckets.get(archive)!.policy as PolicyDocument;
        const isService = (p: unknown) => typeof p === "object" && p !== null && "Service" in p;
        for (const s of doc.Statement.filter((x) => x.Effect === "Allow" && isService(x.Principal))) {
            const account = s.Condition?.StringEquals?.["aws:SourceAccount"];
            expect({ sid: s.Sid, account }).toEqual({ sid: s.Sid, account: expect.anything() });
            expect(JSON.stringify(account)).not.toContain("*");
        }
        // The other Allows are the member accounts' log replication: each an exact role of its own account, by aws:PrincipalArn.
        for (const s of doc.Statement.filter((x) => x.Effect === "Allow" && !isService(x.Principal))) {
            const roles = [s.Condition?.ArnEquals?.["aws:PrincipalArn"]].flat() as string[];
            const accounts = [(s.Principal as { AWS: string | string[] }).AWS].flat().map((a) => a.split(":")[4]);
            expect({ sid: s.Sid, roles: roles.map((r) => r.replace(/^arn:aws:iam::(\d{12}):role\/log-replication-enclave-[a-z0-9-]+$/, "$1")) }).toEqual({
                sid: s.Sid,
                roles: accounts,
            });
        }
    });

    it("a trail in vendor A's member account writes under A's prefix, not under B's; a trail outside the organization writes nowhere", async () => {
        const put = (resource: string, sourceAccount: string, sourceArn: string) =>
            simulate(
                world,
                {
                    ...deliveredBy("cloudtrail.amazonaws.com"),
                    action: "s3:PutObject",
                    resource,
                    context: { "aws:SourceAccount": sourceAccount, "aws:SourceArn": sourceArn, "s3:x-amz-acl": "bucket-owner-full-control" },
                },
                { chainKms: false },
            );
        const own = `${archive}/vendors/${ACME}/cloudtrail/AWSLogs/${MEMBER[ACME]}/x.json.gz`;
        const ok = await put(own, MEMBER[ACME], trail(MEMBER[ACME], ACME));
        expect({ decision: ok.decision, by: ok.decidedBy }).toMatchObject({
            decision: "Allowed",
            by: { layer: "resource", sid: "CloudTrailWriteMemberAcmeLabeling" },
        });
        const intoB = [
            `${archive}/vendors/${EVALCORP}/cloudtrail/AWSLogs/${MEMBER[ACME]}/x.json.gz`,
            `${archive}/vendors/${EVALCORP}/cloudtrail/AWSLogs/${MEMBER[EVALCORP]}/x.json.gz`,
            `${archive}/account/cloudtrail/AWSLogs/${MEMBER[ACME]}/x.json.gz`,
            `${archive}/evidence/${ACME}/x`,
        ];
        for (const resource of intoB)
            expect({ resource, allowed: (await put(resource, MEMBER[ACME], trail(MEMBER[ACME], ACME))).allowed }).toEqual({ resource, allowed: false });
        // A's account naming B's trail (or any other trail of its own) is not B's trail.
        expect((await put(own, MEMBER[ACME], trail(MEMBER[ACME], "other"))).allowed).toBe(false);
        expect((await put(own, MEMBER[ACME], trail(MEMBER[EVALCORP], EVALCORP))).allowed).toBe(false);
        // An account outside the organization, with a trail named like A's, under its own folder or A's.
        for (const resource of [own, `${archive}/vendors/${ACME}/cloudtrail/AWSLogs/${OUTSIDE}/x.json.gz`])
            expect({ resource, allowed: (await put(resource, OUTSIDE, trail(OUTSIDE, ACME))).allowed }).toEqual({ resource, allowed: false });
        // Claiming A's account while the trail is another account's: the pair must match.
        expect((await put(own, MEMBER[ACME], trail(OUTSIDE, ACME))).allowed).toBe(false);
    });

    it("flow logs and DNS query logs from A's member account go under A's prefixes only; an outside account's delivery is refused", async () => {
        const put = (resource: string, account: string) =>
            simulate(
                world,
                {
                    ...deliveredBy("delivery.logs.amazonaws.com"),
                    action: "s3:PutObject",
                    resource,
                    context: {
                        "aws:SourceAccount": account,
                        "aws:SourceArn": `arn:aws:logs:${REGION}:${account}:delivery-source:x`,
                        "s3:x-amz-acl": "bucket-owner-full-control",
                    },
                },
                { chainKms: false },
            );
        for (const prefix of ["flow-logs", "dns-query-logs"]) {
            const ok = await put(`${archive}/vendors/${ACME}/${prefix}/AWSLogs/${MEMBER[ACME]}/x.log.gz`, MEMBER[ACME]);
            expect({ prefix, decision: ok.decision, sid: ok.decidedBy.sid }).toEqual({
                prefix,
                decision: "Allowed",
                sid: "LogDeliveryWriteMemberAcmeLabeling",
            });
            const intoB = await put(`${archive}/vendors/${EVALCORP}/${prefix}/AWSLogs/${MEMBER[ACME]}/x.log.gz`, MEMBER[ACME]);
            expect({ prefix, allowed: intoB.allowed }).toEqual({ prefix, allowed: false });
            const outside = await put(`${archive}/vendors/${ACME}/${prefix}/AWSLogs/${OUTSIDE}/x.log.gz`, OUTSIDE);
            expect({ prefix, allowed: outside.allowed }).toEqual({ prefix, allowed: false });
        }
    });

    it("the archive key encrypts for A's exact trail only (kms:EncryptionContext:aws:cloudtrail:arn), and for its account's log deliveries", async () => {
        // iam-simulate ignores kms:EncryptionContext:aws:cloudtrail:arn (a context key with colons in its name), so
        // the CloudTrail statement is checked exactly rather than simulated.
        const key = world.keys.get(archiveKey)!.policy as PolicyDocument;
        const arn = trail(MEMBER[ACME], ACME);
        expect(key.Statement.find((s) => s.Sid === "CloudTrailEncryptMemberAcmeLabeling")).toEqual({
            Sid: "CloudTrailEncryptMemberAcmeLabeling",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: ["kms:GenerateDataKey"],
            Resource: "*",
            Condition: { StringEquals: { "aws:SourceAccount": MEMBER[ACME], "aws:SourceArn": arn, "kms:EncryptionContext:aws:cloudtrail:arn": arn } },
        });
        // No other statement lets CloudTrail generate data keys for a member account's trail.
        const cloudTrailKeyGrants = key.Statement.filter(
            (s) => s.Effect === "Allow" && JSON.stringify(s.Principal).includes("cloudtrail") && JSON.stringify(s.Action).includes("GenerateDataKey"),
        );
        expect(cloudTrailKeyGrants.map((s) => s.Sid)).toEqual(["CloudTrailEncrypt", "CloudTrailEncryptMemberAcmeLabeling", "CloudTrailEncryptMemberEvalcorp"]);
        expect(JSON.stringify(cloudTrailKeyGrants[0])).not.toContain(MEMBER[ACME]);
        const describe = (account: string) =>
            simulate(world, {
                ...deliveredBy("cloudtrail.amazonaws.com"),
                action: "kms:DescribeKey",
                resource: archiveKey,
                context: { "aws:SourceAccount": account },
            });
        expect((await describe(MEMBER[ACME])).allowed).toBe(true);
        expect((await describe(OUTSIDE)).allowed).toBe(false);
        const vended = (account: string) =>
            simulate(world, {
                ...deliveredBy("delivery.logs.amazonaws.com"),
                action: "kms:GenerateDataKey",
                resource: archiveKey,
                context: { "aws:SourceAccount": account, "aws:SourceArn": `arn:aws:logs:${REGION}:${account}:delivery-source:x` },
            });
        expect((await vended(MEMBER[EVALCORP])).decidedBy.sid).toBe("LogDeliveryEncryptMemberEvalcorp");
        expect((await vended(OUTSIDE)).allowed).toBe(false);
    });

    it("the guardrails pass the security stack planned with account-mode vendors", async () => {
        expect((await checkPlan(securityPlan)).map((v) => `${v.policy}: ${v.message}`)).toEqual([]);
    });

    it("a shared-account vendor keeps its statements pinned to the archive's own account", async () => {
        const mixed = await planSecurity(security, [
            accountModeFixture(ACME, MEMBER[ACME]),
            { ...vendors[1], isolation: "shared-account", memberAccount: undefined, account: security.account },
        ]);
        const doc = worldFromPlans(mixed).buckets.get(archive)!.policy as PolicyDocument;
        const sids = doc.Statement.map((s) => s.Sid);
        expect(sids).toEqual(expect.arrayContaining(["CloudTrailWriteMemberAcmeLabeling", "CloudTrailWriteEvalcorp", "LogDeliveryWriteEvalcorp"]));
        expect(sids).not.toContain("CloudTrailWriteAcmeLabeling");
        expect(sids).not.toContain("CloudTrailWriteMemberEvalcorp");
        const evalcorp = doc.Statement.find((s) => s.Sid === "CloudTrailWriteEvalcorp")!;
        expect(evalcorp.Condition?.StringEquals?.["aws:SourceAccount"]).toBe(security.account.id);
    });
});
