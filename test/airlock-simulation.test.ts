import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadVendorSpec } from "../config/load";
import type { VendorSpec } from "../config/schema";
import { AIRLOCK_PREFIX, GUARDDUTY_SCAN_TAG, SCAN_CLEAN } from "../contract/airlock";
import { airlockArns, approverSlot, deadLetterQueuePolicy } from "../iam/airlock";
import { render } from "../iam/document";
import { sidOf } from "../iam/archive";
import { planSecurity, planVendor } from "../plan/stacks";
import { accessReport, renderAccessMarkdown } from "../review/access";
import { simulate, simulateOnly, worldFromPlans, type SimRequest, type World } from "../review/simulate";
import { EVALCORP, FIXTURES_DIR, SEALED_AT, securityFixture, vendorFixture } from "./support/fixtures";

// Who may do what with the export airlock, proved with iam-simulate over the policies the offline plan renders
// (identity, boundary, bucket, key and S3 endpoint policies). Lab principals outside the plan (approvers, a lab
// recipient) are modelled with allow-all identity policies, so a "denied" for them is proved by the bucket and key
// policies alone. What this cannot prove: that GuardDuty writes its tag only after a scan, that the handlers keep to
// the protocol (test them on their own), IAM propagation delay, or that Lambda reaches S3 from the addresses used here.

const security = securityFixture();
const spec = loadVendorSpec(path.join(FIXTURES_DIR, "airlock", "harbor-annotate.yaml"));
const REVIEWER_C = "arn:aws:iam::111122223333:role/export-reviewer-c";
/** The same vendor with a lab recipient: then the vendor reads nothing released. */
const labRecipient: VendorSpec = { ...spec, airlock: { ...spec.airlock!, recipient: REVIEWER_C } };
const [A, B] = spec.airlock!.approvers;
const ACCT = spec.account.id;
const a = airlockArns(spec.id, ACCT, spec.account.region);
const VENDOR_ROLE = `arn:aws:iam::${ACCT}:role/enclave-harbor-annotate-vendor`;
const WORKLOAD_ROLE = `arn:aws:iam::${ACCT}:role/enclave-harbor-annotate-workload`;
const REQUEST = "0123456789abcdef0123";
const LAMBDA_IP = "203.0.113.10";
const LAB_IP = "198.51.100.77";

let world: World;
let sealedWorld: World;
let labWorld: World;
let sealedLabWorld: World;
let s3Endpoint: string;
let otherVendor: { vendorRoleArn: string; s3EndpointId: string };

beforeAll(async () => {
    const other = vendorFixture(EVALCORP);
    const [plan, sealed, lab, sealedLab, otherPlan] = [
        await planVendor(spec, security),
        await planVendor({ ...spec, sealed: true, sealedAt: SEALED_AT }, security),
        await planVendor(labRecipient, security),
        await planVendor({ ...labRecipient, sealed: true, sealedAt: SEALED_AT }, security),
        await planVendor(other, security),
    ];
    world = worldFromPlans(plan, otherPlan);
    sealedWorld = worldFromPlans(sealed, otherPlan);
    labWorld = worldFromPlans(lab, otherPlan);
    sealedLabWorld = worldFromPlans(sealedLab, otherPlan);
    s3Endpoint = world.vendors.find((v) => v.vendorId === spec.id)!.s3EndpointId;
    const o = world.vendors.find((v) => v.vendorId === other.id)!;
    otherVendor = { vendorRoleArn: o.vendorRoleArn, s3EndpointId: o.s3EndpointId };
}, 120_000);

const object = (bucketArn: string, key: string) => `${bucketArn}/${key}`;
const outbox = (key: string) => object(a.outboxBucketArn, key);
const released = (key: string) => object(a.releasedBucketArn, key);
const control = (key: string) => object(a.controlBucketArn, key);
const decision = (approver: string) => control(AIRLOCK_PREFIX.decision(REQUEST, approverSlot(approver)));
const fromEnclave = () => ({ network: { via: "endpoint" as const, endpointId: s3Endpoint } });
const fromLab = { network: { via: "internet" as const, sourceIp: LAB_IP } };
const fromLambda = { network: { via: "internet" as const, sourceIp: LAMBDA_IP } };
const clean = { context: { [`s3:ExistingObjectTag/${GUARDDUTY_SCAN_TAG}`]: SCAN_CLEAN } };

async function decide(w: World, req: SimRequest) {
    const r = await simulate(w, req);
    return { allowed: r.allowed, by: r.decidedBy.sid ?? r.decidedBy.layer };
}
const allowed = async (w: World, req: SimRequest) => (await decide(w, req)).allowed;

describe("the vendor side submits and then loses the file", () => {
    it("the vendor role puts under submit/vendor/ from the enclave, the workload role under submit/workload/", async () => {
        expect(await decide(world, { principal: VENDOR_ROLE, action: "s3:PutObject", resource: outbox("submit/vendor/report.csv"), ...fromEnclave() })).toEqual(
            {
                allowed: true,
                by: "SubmitToAirlockOutbox",
            },
        );
        expect(await allowed(world, { principal: WORKLOAD_ROLE, action: "s3:PutObject", resource: outbox("submit/workload/run.json"), ...fromEnclave() })).toBe(
            true,
        );
    });

    it("neither role puts under the other's prefix (the prefix names the requester), nor outside submit/", async () => {
        expect(await allowed(world, { principal: VENDOR_ROLE, action: "s3:PutObject", resource: outbox("submit/workload/x"), ...fromEnclave() })).toBe(false);
        // The bucket policy alone (identity, boundary and endpoint replaced by allow-all) holds each role to its prefix.
        const alone = await simulateOnly(
            world,
            { principal: VENDOR_ROLE, action: "s3:PutObject", resource: outbox("submit/workload/x"), ...fromEnclave() },
            "resource",
        );
        expect([alone.allowed, alone.decidedBy.sid]).toEqual([false, "DenyVendorRoleOutsideItsPrefix"]);
        expect(await allowed(world, { principal: WORKLOAD_ROLE, action: "s3:PutObject", resource: outbox("submit/vendor/x"), ...fromEnclave() })).toBe(false);
        expect(await allowed(world, { principal: VENDOR_ROLE, action: "s3:PutObject", resource: outbox("requests/x"), ...fromEnclave() })).toBe(false);
    });

    it("a put from outside the enclave's network is refused", async () => {
        expect(await allowed(world, { principal: VENDOR_ROLE, action: "s3:PutObject", resource: outbox("submit/vendor/x"), ...fromLab })).toBe(false);
    });

    it.each([
        ["s3:GetObject", "submit/vendor/report.csv"],
        ["s3:GetObjectVersion", "submit/vendor/report.csv"],
        ["s3:ListBucket", ""],
        ["s3:ListBucketVersions", ""],
        ["s3:DeleteObject", "submit/vendor/report.csv"],
        ["s3:DeleteObjectVersion", "submit/vendor/report.csv"],
        ["s3:PutObjectTagging", "submit/vendor/report.csv"],
        ["s3:PutObjectVersionTagging", "submit/vendor/report.csv"],
        ["s3:DeleteObjectTagging", "submit/vendor/report.csv"],
        ["s3:GetObjectTagging", "submit/vendor/report.csv"],
    ])("after submitting, the vendor role cannot %s on the outbox (%s), even with the file tagged clean", async (action, key) => {
        const resource = key ? outbox(key) : a.outboxBucketArn;
        for (const principal of [VENDOR_ROLE, WORKLOAD_ROLE])
            expect([principal, await allowed(world, { principal, action, resource, ...fromEnclave(), ...clean })]).toEqual([principal, false]);
    });

    it("a put carrying its own tags is refused (the lifecycle state is never the requester's)", async () => {
        const r = await decide(world, {
            principal: VENDOR_ROLE,
            action: "s3:PutObject",
            resource: outbox("submit/vendor/x"),
            ...fromEnclave(),
            context: { "s3:RequestObjectTagKeys": ["airlock:state"] },
        });
        expect(r.allowed).toBe(false);
    });

    it("the vendor side cannot write a decision, read a request record or the canaries", async () => {
        for (const [action, resource] of [
            ["s3:PutObject", decision(A)],
            ["s3:GetObject", control(AIRLOCK_PREFIX.request(REQUEST))],
            ["s3:GetObject", control("index/_canaries.json")],
            ["s3:ListBucket", a.controlBucketArn],
        ] as const) {
            for (const principal of [VENDOR_ROLE, WORKLOAD_ROLE])
                expect([principal, action, resource, await allowed(world, { principal, action, resource, ...fromEnclave() })]).toEqual([
                    principal,
                    action,
                    resource,
                    false,
                ]);
        }
    });
});

describe("approvers", () => {
    it("read a submitted version only once GuardDuty tagged it NO_THREATS_FOUND", async () => {
        const key = outbox("submit/vendor/report.csv");
        expect(await allowed(world, { principal: A, action: "s3:GetObjectVersion", resource: key, ...fromLab, ...clean })).toBe(true);
        expect(await decide(world, { principal: A, action: "s3:GetObjectVersion", resource: key, ...fromLab })).toEqual({
            allowed: false,
            by: "DenyApproversUnscannedReads",
        });
        expect(
            await allowed(world, {
                principal: A,
                action: "s3:GetObject",
                resource: key,
                ...fromLab,
                context: { [`s3:ExistingObjectTag/${GUARDDUTY_SCAN_TAG}`]: "THREATS_FOUND" },
            }),
        ).toBe(false);
    });

    it("cannot tag, delete or put into the outbox", async () => {
        for (const action of ["s3:PutObjectTagging", "s3:DeleteObject", "s3:PutObject"])
            expect([action, await allowed(world, { principal: A, action, resource: outbox("submit/vendor/report.csv"), ...fromLab, ...clean })]).toEqual([
                action,
                false,
            ]);
    });

    it("approver A writes its own slot; it cannot write approver B's", async () => {
        expect(await allowed(world, { principal: A, action: "s3:PutObject", resource: decision(A), ...fromLab })).toBe(true);
        expect(await allowed(world, { principal: B, action: "s3:PutObject", resource: decision(B), ...fromLab })).toBe(true);
        expect(await decide(world, { principal: A, action: "s3:PutObject", resource: decision(B), ...fromLab })).toEqual({
            allowed: false,
            by: `DecisionSlot${approverSlot(B)}`,
        });
    });

    it("read request records, never the fingerprint index or the canaries, and list only requests/", async () => {
        expect(await allowed(world, { principal: A, action: "s3:GetObject", resource: control(AIRLOCK_PREFIX.request(REQUEST)), ...fromLab })).toBe(true);
        expect(await allowed(world, { principal: A, action: "s3:GetObject", resource: control("index/_canaries.json"), ...fromLab })).toBe(false);
        expect(
            await allowed(world, { principal: A, action: "s3:ListBucket", resource: a.controlBucketArn, ...fromLab, context: { "s3:prefix": "requests/" } }),
        ).toBe(true);
        expect(
            await allowed(world, { principal: A, action: "s3:ListBucket", resource: a.controlBucketArn, ...fromLab, context: { "s3:prefix": "index/" } }),
        ).toBe(false);
    });

    it("a lab principal that is not an approver reads and decides nothing", async () => {
        expect(await allowed(world, { principal: REVIEWER_C, action: "s3:PutObject", resource: decision(A), ...fromLab })).toBe(false);
        expect(
            await allowed(world, { principal: REVIEWER_C, action: "s3:GetObject", resource: outbox("submit/vendor/report.csv"), ...fromLab, ...clean }),
        ).toBe(false);
    });
});

describe("released files: only the recipient reads them", () => {
    const file = released(AIRLOCK_PREFIX.released(REQUEST, "report.csv"));

    it("recipient vendor: the vendor role reads from the enclave; approvers, the workload role and the airlock role do not", async () => {
        expect(await allowed(world, { principal: VENDOR_ROLE, action: "s3:GetObject", resource: file, ...fromEnclave() })).toBe(true);
        for (const principal of [A, B, REVIEWER_C])
            expect([principal, await allowed(world, { principal, action: "s3:GetObject", resource: file, ...fromLab })]).toEqual([principal, false]);
        expect(await allowed(world, { principal: WORKLOAD_ROLE, action: "s3:GetObject", resource: file, ...fromEnclave() })).toBe(false);
        expect(await allowed(world, { principal: a.roleArn, action: "s3:GetObject", resource: file, ...fromLambda })).toBe(false);
    });

    it("recipient a lab principal: it reads; the vendor role does not", async () => {
        expect(await allowed(labWorld, { principal: REVIEWER_C, action: "s3:GetObject", resource: file, ...fromLab })).toBe(true);
        expect(await allowed(labWorld, { principal: VENDOR_ROLE, action: "s3:GetObject", resource: file, ...fromEnclave() })).toBe(false);
    });

    it("only the airlock role puts released files, and only under released/", async () => {
        expect(await allowed(world, { principal: a.roleArn, action: "s3:PutObject", resource: file, ...fromLambda })).toBe(true);
        expect(await allowed(world, { principal: a.roleArn, action: "s3:PutObject", resource: released("elsewhere/x"), ...fromLambda })).toBe(false);
        for (const principal of [A, REVIEWER_C])
            expect([principal, await allowed(world, { principal, action: "s3:PutObject", resource: file, ...fromLab })]).toEqual([principal, false]);
        expect(await allowed(world, { principal: VENDOR_ROLE, action: "s3:PutObject", resource: file, ...fromEnclave() })).toBe(false);
    });
});

describe("the airlock role", () => {
    it("tags outbox versions; GuardDuty's scan role may too; nobody else", async () => {
        const key = outbox("submit/vendor/report.csv");
        expect(await allowed(world, { principal: a.roleArn, action: "s3:PutObjectVersionTagging", resource: key, ...fromLambda })).toBe(true);
        expect(await allowed(world, { principal: a.scanRoleArn, action: "s3:PutObjectTagging", resource: key, ...fromLambda })).toBe(true);
        expect(await decide(world, { principal: security.deployerRoleArn, action: "s3:PutObjectTagging", resource: key, ...fromLab })).toEqual({
            allowed: false,
            by: "DenyTaggingExceptAirlock",
        });
    });

    it("reads and lists every version of a dataset (the index is kept per version), writes the index, changes no dataset object", async () => {
        const ds = `arn:aws:s3:::${spec.id}--${spec.datasets[0].name}--${ACCT}`;
        for (const action of ["s3:GetObject", "s3:GetObjectVersion"])
            expect([action, await allowed(world, { principal: a.roleArn, action, resource: `${ds}/batch/p.jsonl`, ...fromLambda })]).toEqual([action, true]);
        for (const action of ["s3:ListBucket", "s3:ListBucketVersions"])
            expect([action, await allowed(world, { principal: a.roleArn, action, resource: ds, ...fromLambda })]).toEqual([action, true]);
        for (const action of ["s3:PutObject", "s3:DeleteObjectVersion", "s3:PutObjectTagging"])
            expect([action, await allowed(world, { principal: a.roleArn, action, resource: `${ds}/batch/p.jsonl`, ...fromLambda })]).toEqual([action, false]);
        expect(await allowed(world, { principal: a.roleArn, action: "s3:PutObject", resource: control("index/rubrics/ab/cd.json"), ...fromLambda })).toBe(true);
    });

    it("deletes nothing in the outbox or the control bucket", async () => {
        expect(await allowed(world, { principal: a.roleArn, action: "s3:DeleteObject", resource: outbox("submit/vendor/report.csv"), ...fromLambda })).toBe(
            false,
        );
        expect(
            await allowed(world, { principal: a.roleArn, action: "s3:DeleteObject", resource: control(AIRLOCK_PREFIX.request(REQUEST)), ...fromLambda }),
        ).toBe(false);
    });
});

describe("the airlock's archive records are written once", () => {
    // The security stack's archive bucket policy (planned with this vendor beside it) and the vendor's airlock role.
    let archiveWorld: World;
    const ARCHIVE = `arn:aws:s3:::enclave-log-archive-${ACCT}-${spec.account.region}`;
    const recordKey = (event: string) => `${ARCHIVE}/${AIRLOCK_PREFIX.record(spec.id, REQUEST, event, "2026-11-30T10:00:00.000Z")}`;
    beforeAll(async () => {
        const securityPlan = await planSecurity(security, [spec]);
        archiveWorld = worldFromPlans(securityPlan, await planVendor(spec, security));
    }, 120_000);
    // S3 only: the chained KMS request would need the record's encryption context (aws:s3:arn), which the simulator
    // does not derive; the archive key's side of the record write is the AirlockRecordsEncrypt statement, planned apart.
    const put = (resource: string, header: string | null) =>
        simulate(
            archiveWorld,
            { principal: a.roleArn, action: "s3:PutObject", resource, ...fromLambda, context: { "s3:if-none-match": header } },
            { chainKms: false },
        );

    it("the airlock role appends a record with If-None-Match: *, and cannot put one without it (which could replace a record)", async () => {
        const appended = await put(recordKey("approved"), "*");
        expect([appended.decision, appended.denials.map((d) => d.sid)]).toEqual(["Allowed", []]);
        const sid = `AirlockRecordsNeverOverwritten${sidOf(spec.id)}`;
        for (const header of [null, '"9b2cf535f27731c974343645a3985328"']) {
            const overwrite = await put(recordKey("approved"), header);
            expect({ header, decision: overwrite.decision, sids: overwrite.denials.map((d) => d.sid) }).toEqual({
                header,
                decision: "ExplicitlyDenied",
                sids: [sid],
            });
        }
        // Outside its own prefix the role writes nothing, with or without the header.
        const elsewhere = await put(`${ARCHIVE}/vendors/${spec.id}/cloudtrail/x.json`, "*");
        expect(elsewhere.denials.map((d) => d.sid)).toContain(`AirlockRecordsOwnPrefixOnly${sidOf(spec.id)}`);
    });
});

describe("while sealed nothing is decided or released", () => {
    const file = released(AIRLOCK_PREFIX.released(REQUEST, "report.csv"));

    it("no approver writes a decision, its own slot included (SealFreezeAirlock)", async () => {
        expect(await decide(sealedWorld, { principal: A, action: "s3:PutObject", resource: decision(A), ...fromLab })).toEqual({
            allowed: false,
            by: "SealFreezeAirlock",
        });
    });

    it("the airlock role puts nothing into released (SealFreezeAirlock), and the recipient reads nothing", async () => {
        expect(await decide(sealedWorld, { principal: a.roleArn, action: "s3:PutObject", resource: file, ...fromLambda })).toEqual({
            allowed: false,
            by: "SealFreezeAirlock",
        });
        expect(await allowed(sealedWorld, { principal: VENDOR_ROLE, action: "s3:GetObject", resource: file, ...fromEnclave() })).toBe(false);
    });

    it("a lab recipient neither reads nor lists released files (SealFreezeAirlock); unsealed it does both", async () => {
        expect(await decide(sealedLabWorld, { principal: REVIEWER_C, action: "s3:ListBucket", resource: a.releasedBucketArn, ...fromLab })).toEqual({
            allowed: false,
            by: "SealFreezeAirlock",
        });
        expect(await decide(sealedLabWorld, { principal: REVIEWER_C, action: "s3:GetObject", resource: file, ...fromLab })).toEqual({
            allowed: false,
            by: "SealFreezeAirlock",
        });
        expect(await allowed(labWorld, { principal: REVIEWER_C, action: "s3:ListBucket", resource: a.releasedBucketArn, ...fromLab })).toBe(true);
        expect(await allowed(labWorld, { principal: REVIEWER_C, action: "s3:GetObject", resource: file, ...fromLab })).toBe(true);
    });

    it("the vendor side cannot even submit", async () => {
        expect(await allowed(sealedWorld, { principal: VENDOR_ROLE, action: "s3:PutObject", resource: outbox("submit/vendor/x"), ...fromEnclave() })).toBe(
            false,
        );
    });

    it("unsealed, the same decision and the same release are allowed (the freeze is what stops them)", async () => {
        expect(await allowed(world, { principal: A, action: "s3:PutObject", resource: decision(A), ...fromLab })).toBe(true);
        expect(await allowed(world, { principal: a.roleArn, action: "s3:PutObject", resource: file, ...fromLambda })).toBe(true);
    });
});

describe("the dead-letter queue keeps what it holds until break-glass takes it", () => {
    // A lab admin with sqs:* on everything (an allow-all identity policy, as any principal outside the plan here) and
    // the queue policy the plan renders (test/airlock-plan.test.ts asserts it is this builder's document).
    const LAB_ADMIN = `arn:aws:iam::${ACCT}:role/lab-platform-admin`;
    const queuePolicy = () =>
        JSON.parse(
            render(
                deadLetterQueuePolicy(
                    {
                        vendorId: spec.id,
                        accountId: ACCT,
                        region: spec.account.region,
                        breakGlassRoleArn: security.breakGlassRoleArn,
                        deployerRoleArn: security.deployerRoleArn,
                    },
                    ["submit", "decide", "fingerprint"],
                ),
            ),
        ) as SimRequest["resourcePolicy"];
    it("a lab admin cannot purge, receive, delete, hide or shorten its messages; break-glass can handle them", async () => {
        for (const action of ["sqs:PurgeQueue", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:StartMessageMoveTask"])
            expect([action, await decide(world, { principal: LAB_ADMIN, action, resource: a.deadLetterQueueArn, resourcePolicy: queuePolicy() })]).toEqual([
                action,
                { allowed: false, by: "DenyDeadLetterRemoval" },
            ]);
        // RemovePermission takes any statement's Sid as its label (the denies here too); DeleteQueue drops what it holds.
        for (const action of ["sqs:SetQueueAttributes", "sqs:RemovePermission", "sqs:AddPermission", "sqs:DeleteQueue"])
            expect([action, await decide(world, { principal: LAB_ADMIN, action, resource: a.deadLetterQueueArn, resourcePolicy: queuePolicy() })]).toEqual([
                action,
                { allowed: false, by: "DenyDeadLetterAttributeChanges" },
            ]);
        for (const action of ["sqs:ReceiveMessage", "sqs:PurgeQueue"])
            expect([
                action,
                await allowed(world, { principal: security.breakGlassRoleArn, action, resource: a.deadLetterQueueArn, resourcePolicy: queuePolicy() }),
            ]).toEqual([action, true]);
        // The deployer still sets the queue's attributes (Pulumi), but takes nothing off it.
        expect(
            await allowed(world, {
                principal: security.deployerRoleArn,
                action: "sqs:SetQueueAttributes",
                resource: a.deadLetterQueueArn,
                resourcePolicy: queuePolicy(),
            }),
        ).toBe(true);
        expect(
            await allowed(world, {
                principal: security.deployerRoleArn,
                action: "sqs:PurgeQueue",
                resource: a.deadLetterQueueArn,
                resourcePolicy: queuePolicy(),
            }),
        ).toBe(false);
    });
});

describe("a session of another vendor gets nothing", () => {
    it.each([
        ["s3:PutObject", "a submission", () => outbox("submit/vendor/x")],
        ["s3:GetObject", "a submission", () => outbox("submit/vendor/x")],
        ["s3:GetObject", "a released file", () => released(AIRLOCK_PREFIX.released(REQUEST, "report.csv"))],
        ["s3:PutObject", "a decision", () => decision(A)],
        ["s3:GetObject", "a request record", () => control(AIRLOCK_PREFIX.request(REQUEST))],
        ["s3:ListBucket", "the control bucket", () => a.controlBucketArn],
    ])("%s on %s", async (action, _what, resource) => {
        const r = await decide(world, {
            principal: otherVendor.vendorRoleArn,
            action,
            resource: resource(),
            network: { via: "endpoint", endpointId: otherVendor.s3EndpointId },
            ...clean,
        });
        expect(r.allowed).toBe(false);
    });
});

describe("the access report shows who may submit, approve and read released files", () => {
    it("rows simulated over the same world, the approvers read back from the planned control bucket policy", async () => {
        const report = await accessReport(world, spec.id);
        const row = (what: string, principal: string) => report.airlock!.find((r) => r.what === what && r.principal === principal)?.decision;
        expect(row("submit", "role/enclave-harbor-annotate-vendor")).toBe("Allowed");
        expect(row("read the outbox", "role/enclave-harbor-annotate-vendor")).not.toBe("Allowed");
        expect(row("approve", "role/enclave-harbor-annotate-vendor")).not.toBe("Allowed");
        expect(row("approve", "role/export-reviewer-a")).toBe("Allowed");
        expect(row("approve in another's slot", "role/export-reviewer-a")).toBe("ExplicitlyDenied");
        expect(row("read released files", "role/enclave-harbor-annotate-vendor")).toBe("Allowed");
        expect(row("read released files", "role/export-reviewer-b")).toBe("ExplicitlyDenied");
        expect(renderAccessMarkdown(report)).toContain("## Export airlock");
    });
});
