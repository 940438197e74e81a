import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stripVTControlCharacters } from "node:util";
import { stringify } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { loadFolderVendors } from "../config/fleet";
import { checkVendorAgainstSecurity, loadSecuritySpec, loadVendorSpec } from "../config/load";
import { operatorApprovers, type VendorSpec } from "../config/schema";
import { SpecError } from "../contract/errors";
import { AIRLOCK_HANDLERS, airlockNames } from "../contract/airlock";
import { TAG } from "../contract/tags";
import { TOKEN } from "../contract/tokens";
import { checkPlan } from "../guardrails/offline";
import { parsePolicyDocument } from "../iam/document";
import { sealEntryOf, sealOnlyResources } from "../contract/seal";
import { diffPlans } from "../plan/diff";
import { mockTripwire, planSecurity, planVendor } from "../plan/stacks";
import { canaryListOf } from "../components/airlock";
import { tripwireTokenOf } from "../iam/archive";
import type { Plan, PlanResource } from "../plan/types";
import { airlockFreezeDocuments } from "../runbook/airlockFreeze";
import { sealFindings, targetsFor, type Observed } from "../runbook/verify";
import { contentOffence, sealStatements } from "../runbook/previewGuard";
import type { PreviewStep } from "../runbook/types";
import { runCli } from "./support/cli";
import { ACME, FIXTURES_DIR, securityFixture, SEALED_AT, vendorFixture } from "./support/fixtures";

// The airlock as the offline plan renders it, checked by the guardrails, with its seal freeze. What this cannot prove:
// that AWS accepts these inputs (GuardDuty's plan, Step Functions logging), or that the handler bundles exist (the
// engine reads them at `pulumi up`; the offline plan records only their path).

const security = securityFixture();
const AIRLOCK_DIR = path.join(FIXTURES_DIR, "airlock");
const spec = loadVendorSpec(path.join(AIRLOCK_DIR, "harbor-annotate.yaml"));
const names = airlockNames(spec.id, spec.account.id);
let plan: Plan;
let sealed: Plan;
let without: Plan;

beforeAll(async () => {
    plan = await planVendor(spec, security);
    sealed = await planVendor({ ...spec, sealed: true, sealedAt: SEALED_AT }, security);
    without = await planVendor(vendorFixture(ACME), security);
}, 120_000);

const ofType = (p: Plan, type: string) => p.resources.filter((r) => r.type === type);
const bucketPolicyOf = (p: Plan, bucket: string): PlanResource => {
    const r = ofType(p, TOKEN.bucketPolicy).find((x) => x.inputs.bucket === bucket);
    if (!r) throw new Error(`no bucket policy for ${bucket}`);
    return r;
};
const sids = (r: PlanResource) => parsePolicyDocument(r.inputs.policy)!.Statement.map((s) => s.Sid);

describe("the airlock in the plan", () => {
    it("three buckets with every dataset-bucket guarantee, tagged by part", () => {
        for (const [part, bucket] of [
            ["outbox", names.outboxBucket],
            ["released", names.releasedBucket],
            ["control", names.controlBucket],
        ]) {
            const b = ofType(plan, TOKEN.bucket).find((r) => r.inputs.bucket === bucket)!;
            expect(b.inputs.tags).toEqual({ [TAG.vendor]: spec.id, [TAG.managedBy]: "vendor-enclaves", [TAG.airlock]: part });
            expect(ofType(plan, TOKEN.pab).some((r) => r.inputs.bucket === bucket && r.inputs.restrictPublicBuckets === true)).toBe(true);
            const sse = ofType(plan, TOKEN.sse).find((r) => r.inputs.bucket === bucket)!;
            expect(
                (sse.inputs.rules as { applyServerSideEncryptionByDefault: { sseAlgorithm: string } }[])[0].applyServerSideEncryptionByDefault.sseAlgorithm,
            ).toBe("aws:kms");
            expect(ofType(plan, TOKEN.versioning).some((r) => r.inputs.bucket === bucket)).toBe(true);
            expect(ofType(plan, TOKEN.logging).some((r) => r.inputs.bucket === bucket)).toBe(true);
            expect(sids(bucketPolicyOf(plan, bucket))).toContain("DenyInsecureTransport");
        }
    });

    // The plan records a function's code as an archive without its files: the bundle's path is not in the plan.
    it("one nodejs20.x function per handler, its log group encrypted and kept", () => {
        const fns = ofType(plan, TOKEN.lambdaFunction);
        expect(fns.map((f) => f.inputs.name).sort()).toEqual(AIRLOCK_HANDLERS.map((h) => names.functions[h]).sort());
        for (const f of fns) {
            expect(f.inputs.runtime).toBe("nodejs20.x");
            expect((f.inputs.environment as { variables: Record<string, string> }).variables.APPROVERS).toBe(JSON.stringify(spec.airlock!.approvers));
        }
        const groups = ofType(plan, TOKEN.logGroup).filter((g) => String(g.inputs.name).includes("airlock"));
        expect(groups).toHaveLength(AIRLOCK_HANDLERS.length + 1);
        for (const g of groups) expect([g.inputs.name, typeof g.inputs.kmsKeyId, g.inputs.retentionInDays]).toEqual([g.inputs.name, "string", 365]);
    });

    it("a Standard state machine with logging, GuardDuty on the outbox with tagging on, three EventBridge rules", () => {
        const [sm] = ofType(plan, TOKEN.stateMachine);
        expect([sm.inputs.type, (sm.inputs.loggingConfiguration as { level: string }).level]).toEqual(["STANDARD", "ALL"]);
        const definition = JSON.parse(String(sm.inputs.definition)) as {
            States: Record<string, { TimeoutSecondsPath?: string; Parameters?: { FunctionName?: string; reviewTimeoutSeconds?: number } }>;
        };
        // The review's time is the spec's, set once where the review opens (the review step reads it from the execution's data).
        expect(definition.States.OpenReview.Parameters?.reviewTimeoutSeconds).toBe(5 * 86400);
        expect(definition.States.Review.TimeoutSecondsPath).toBe("$.reviewTimeoutSeconds");
        // Every task names one of this enclave's airlock functions, by its planned name.
        const fnNames = new Set(Object.values(names.functions));
        for (const st of Object.values(definition.States).filter((x) => x.Parameters?.FunctionName))
            expect(fnNames.has(String(st.Parameters!.FunctionName).split(":").pop()!)).toBe(true);
        const [gd] = ofType(plan, TOKEN.malwareProtectionPlan);
        expect(gd.inputs.protectedResource).toEqual({ s3Bucket: { bucketName: names.outboxBucket, objectPrefixes: ["submit/"] } });
        expect(gd.inputs.actions).toEqual([{ taggings: [{ status: "ENABLED" }] }]);
        const airlockRules = ofType(plan, TOKEN.eventRule).filter((r) => String(r.inputs.name).includes("-airlock-"));
        expect(airlockRules.map((r) => [r.inputs.name, JSON.parse(String(r.inputs.eventPattern)).detail])).toEqual([
            ["enclave-harbor-annotate-airlock-decide", { bucket: { name: [names.controlBucket] }, object: { key: [{ prefix: "decisions/" }] } }],
            ["enclave-harbor-annotate-airlock-fingerprint", { bucket: { name: spec.datasets.map((d) => `${spec.id}--${d.name}--${spec.account.id}`) } }],
            ["enclave-harbor-annotate-airlock-submit", { bucket: { name: [names.outboxBucket] }, object: { key: [{ prefix: "submit/" }] } }],
        ]);
        expect(ofType(plan, TOKEN.bucketNotification).every((n) => n.inputs.eventbridge === true)).toBe(true);
    });

    it("every airlock event target dead-letters to the airlock's queue and retries for a day; the handlers it invokes do too", () => {
        const queueArn = `arn:aws:sqs:${spec.account.region}:${spec.account.id}:${names.deadLetterQueue}`;
        const targets = ofType(plan, TOKEN.eventTarget).filter((t) => String(t.inputs.rule).includes("-airlock-"));
        expect(targets.map((t) => t.inputs.rule).sort()).toEqual(["decide", "fingerprint", "submit"].map((k) => `enclave-${spec.id}-airlock-${k}`));
        for (const t of targets)
            expect([t.inputs.rule, t.inputs.deadLetterConfig, t.inputs.retryPolicy]).toEqual([
                t.inputs.rule,
                { arn: queueArn },
                { maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 },
            ]);
        const configs = ofType(plan, TOKEN.lambdaEventInvokeConfig);
        expect(configs.map((c) => [c.inputs.functionName, c.inputs.destinationConfig, c.inputs.maximumRetryAttempts]).sort()).toEqual(
            (["decide", "fingerprint", "submit"] as const).map((h) => [names.functions[h], { onFailure: { destination: queueArn } }, 2]),
        );
        // The airlock role may send a failed handler's event there (Lambda sends it as the function's role).
        const rolePolicy = ofType(plan, TOKEN.rolePolicy).find((r) => r.name === `${spec.id}-airlock-role-policy`)!;
        expect(parsePolicyDocument(rolePolicy.inputs.policy)!.Statement.find((x) => x.Sid === "DeadLetterFailedEvents")).toEqual({
            Sid: "DeadLetterFailedEvents",
            Effect: "Allow",
            Action: ["sqs:SendMessage"],
            Resource: queueArn,
        });
    });

    it("the dead-letter queue is encrypted, tagged, admits its three rules only, only break-glass empties it, and its depth alarms to the security topic", () => {
        const [q] = ofType(plan, TOKEN.sqsQueue);
        expect([q.inputs.name, q.inputs.sqsManagedSseEnabled, q.inputs.messageRetentionSeconds]).toEqual([names.deadLetterQueue, true, 1209600]);
        expect(q.inputs.tags).toEqual({ [TAG.vendor]: spec.id, [TAG.managedBy]: "vendor-enclaves", [TAG.airlock]: "dead-letters" });
        const [qp] = ofType(plan, TOKEN.sqsQueuePolicy);
        expect(qp.inputs.queueUrl).toBe(q.outputs.id);
        const rule = (k: string) => `arn:aws:events:${spec.account.region}:${spec.account.id}:rule/enclave-${spec.id}-airlock-${k}`;
        const queueArn = `arn:aws:sqs:${spec.account.region}:${spec.account.id}:${names.deadLetterQueue}`;
        expect(parsePolicyDocument(qp.inputs.policy)!.Statement).toEqual([
            {
                Sid: "AirlockRulesDeadLetters",
                Effect: "Allow",
                Principal: { Service: "events.amazonaws.com" },
                Action: "sqs:SendMessage",
                Resource: queueArn,
                Condition: {
                    ArnEquals: { "aws:SourceArn": [rule("submit"), rule("decide"), rule("fingerprint")] },
                    StringEquals: { "aws:SourceAccount": spec.account.id },
                },
            },
            // A lost submission or decision exists nowhere else: only break-glass takes messages off the queue (or
            // hides them from the depth alarm), only break-glass and the deployer change its retention.
            {
                Sid: "DenyDeadLetterRemoval",
                Effect: "Deny",
                Principal: "*",
                Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:PurgeQueue", "sqs:ChangeMessageVisibility", "sqs:StartMessageMoveTask"],
                Resource: queueArn,
                Condition: { ArnNotEquals: { "aws:PrincipalArn": security.breakGlassRoleArn } },
            },
            {
                Sid: "DenyDeadLetterAttributeChanges",
                Effect: "Deny",
                Principal: "*",
                // RemovePermission removes any statement by its Sid (these denies too); a deleted queue loses what it
                // holds and silences the alarm.
                Action: ["sqs:SetQueueAttributes", "sqs:RemovePermission", "sqs:AddPermission", "sqs:DeleteQueue"],
                Resource: queueArn,
                Condition: { ArnNotEquals: { "aws:PrincipalArn": [security.breakGlassRoleArn, security.deployerRoleArn] } },
            },
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "sqs:*",
                Resource: queueArn,
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ]);
        // The rules' planned ARNs are the ones the policy names.
        const rules = ofType(plan, TOKEN.eventRule).filter((r) => String(r.inputs.name).includes("-airlock-"));
        expect(rules.map((r) => r.outputs.arn).sort()).toEqual([rule("decide"), rule("fingerprint"), rule("submit")]);
        const alarm = ofType(plan, TOKEN.alarm).find((a) => a.inputs.name === `enclave-${spec.id}-airlock-dead-letters`)!;
        expect([alarm.inputs.namespace, alarm.inputs.metricName, alarm.inputs.dimensions, alarm.inputs.threshold, alarm.inputs.alarmActions]).toEqual([
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            { QueueName: names.deadLetterQueue },
            1,
            [`arn:aws:sns:${spec.account.region}:${spec.account.id}:enclave-security-alarms`],
        ]);
    });

    it("an execution stopped, failed or timed out alarms to the security topic (a review ended that way leaves approvals unreleased)", () => {
        const [sm] = ofType(plan, TOKEN.stateMachine);
        expect(sm.outputs.arn).toBe(`arn:aws:states:${spec.account.region}:${spec.account.id}:stateMachine:${names.stateMachine}`);
        const alarms = ofType(plan, TOKEN.alarm).filter((a) => String(a.inputs.namespace) === "AWS/States");
        expect(
            alarms.map((a) => [
                a.inputs.metricName,
                a.inputs.dimensions,
                a.inputs.statistic,
                a.inputs.threshold,
                a.inputs.comparisonOperator,
                a.inputs.alarmActions,
            ]),
        ).toEqual(
            ["ExecutionsAborted", "ExecutionsFailed", "ExecutionsTimedOut"].map((m) => [
                m,
                { StateMachineArn: sm.outputs.arn },
                "Sum",
                1,
                "GreaterThanOrEqualToThreshold",
                [`arn:aws:sns:${spec.account.region}:${spec.account.id}:enclave-security-alarms`],
            ]),
        );
    });

    it("the handlers know the readable datasets whose every version the index must cover", () => {
        const f = ofType(plan, TOKEN.lambdaFunction).find((x) => x.inputs.name === names.functions.leakCheck)!;
        const vars = (f.inputs.environment as { variables: Record<string, string> }).variables;
        expect(JSON.parse(vars.READABLE_DATASETS)).toEqual(spec.datasets.filter((d) => d.access !== "write").map((d) => d.name));
        expect([f.inputs.timeout, f.inputs.memorySize]).toEqual([900, 1024]);
    });

    it("the canary list lives in the control bucket: the vendor's tripwire token per readable dataset, secret in the plan", () => {
        const c = ofType(plan, TOKEN.bucketObject).find((o) => o.inputs.bucket === names.controlBucket)!;
        // The plan masks the secret parts (the key's random part and the token) and shows the rest.
        expect([c.inputs.key, c.inputs.content]).toEqual(["index/_canaries.json", '[{"dataset":"rubrics","key":"eval/[secret].parquet","token":"[secret]"}]']);
        // The same list, rendered from the tripwire the security stack generates for this vendor (plan/stacks.ts mocks it).
        const tw = mockTripwire(spec)!;
        expect(JSON.parse(canaryListOf(tw, ["rubrics"]))).toEqual([{ dataset: "rubrics", key: tw.key, token: tripwireTokenOf(tw.content) }]);
        expect(tw.content).toContain(tripwireTokenOf(tw.content));
    });

    it("every airlock resource that takes tags carries enclave:vendor and enclave:managed-by", () => {
        const airlock = plan.resources.filter((r) => r.custom && r.name.includes("airlock") && "tags" in r.inputs);
        expect(airlock.length).toBeGreaterThan(20);
        for (const r of airlock) expect([r.name, (r.inputs.tags as Record<string, string>)[TAG.vendor]]).toEqual([r.name, spec.id]);
    });

    it("a spec without airlock has none of it", () => {
        expect(without.resources.filter((r) => r.name.includes("airlock"))).toEqual([]);
        expect(ofType(without, TOKEN.lambdaFunction)).toEqual([]);
    });

    it("enclave check passes the airlock, unsealed and sealed, and the security stack that serves it", async () => {
        expect(await checkPlan(plan)).toEqual([]);
        expect(await checkPlan(sealed)).toEqual([]);
        expect(await checkPlan(await planSecurity(security, [spec]))).toEqual([]);
    });
});

describe("the seal freezes the airlock", () => {
    it("sealing an enclave with an airlock changes only what the seal catalogue lists (the airlock's bucket policies among them)", () => {
        const diff = diffPlans(plan, sealed);
        expect(diff.deleted).toEqual([]);
        for (const c of diff.updated)
            expect([c.name, sealEntryOf(c.type)?.lifecycle, c.fields.map((f) => f.field)]).toEqual([c.name, "in-place", [...sealEntryOf(c.type)!.fields]]);
        expect(diff.updated.map((c) => c.name)).toEqual(expect.arrayContaining([`${spec.id}-airlock-control-policy`, `${spec.id}-airlock-released-policy`]));
        const added = diff.created.map((c) => sealed.resources.find((r) => r.urn === c.urn)!);
        expect(added.map((r) => ({ type: r.type, name: r.urn.slice(r.urn.lastIndexOf("::") + 2) }))).toEqual(sealOnlyResources(spec.id));
    });

    it("the sealed plan's control and released policies hold SealFreezeAirlock; unsealed they do not", () => {
        for (const bucket of [names.controlBucket, names.releasedBucket]) {
            expect(sids(bucketPolicyOf(sealed, bucket))).toContain("SealFreezeAirlock");
            expect(sids(bucketPolicyOf(plan, bucket))).not.toContain("SealFreezeAirlock");
        }
    });

    it("contain writes exactly the documents the sealed plan renders for both buckets", () => {
        const t = targetsFor(spec, {
            keyArn: { value: ofType(plan, TOKEN.key)[0].outputs.arn as string, secret: false },
            s3EndpointId: { value: plan.resources.find((r) => r.name.endsWith("-s3-endpoint"))!.outputs.id as string, secret: false },
        });
        const docs = airlockFreezeDocuments({
            ...t.policyInputs,
            deployerRoleArn: security.deployerRoleArn,
            breakGlassRoleArn: security.breakGlassRoleArn,
        });
        expect(Object.keys(docs).sort()).toEqual([names.outboxBucket, names.controlBucket, names.releasedBucket].sort());
        for (const [bucket, doc] of Object.entries(docs))
            expect([bucket, doc]).toEqual([bucket, parsePolicyDocument(bucketPolicyOf(sealed, bucket).inputs.policy)]);
    });

    it("the preview guard admits the airlock buckets' seal statements exactly, and refuses a freeze that lets reads through", () => {
        const outputs = {
            keyArn: { value: ofType(plan, TOKEN.key)[0].outputs.arn as string, secret: false },
            s3EndpointId: { value: plan.resources.find((r) => r.name.endsWith("-s3-endpoint"))!.outputs.id as string, secret: false },
        };
        const expected = sealStatements(spec, outputs, SEALED_AT, { deployerRoleArn: security.deployerRoleArn, breakGlassRoleArn: security.breakGlassRoleArn });
        for (const bucket of [names.outboxBucket, names.controlBucket, names.releasedBucket]) {
            const step = (mutate: (d: { Statement: { Sid?: string; Action?: unknown }[] }) => void): PreviewStep => {
                const doc = JSON.parse(String(bucketPolicyOf(sealed, bucket).inputs.policy)) as { Statement: { Sid?: string; Action?: unknown }[] };
                mutate(doc);
                return {
                    op: "update",
                    urn: bucket,
                    type: "aws:s3/bucketPolicy:BucketPolicy",
                    diffs: ["policy"],
                    old: { policy: bucketPolicyOf(plan, bucket).inputs.policy },
                    new: { policy: JSON.stringify(doc) },
                };
            };
            expect(
                contentOffence(
                    step(() => undefined),
                    "bucketPolicy",
                    true,
                    expected,
                ),
                bucket,
            ).toBeUndefined();
        }
        const narrowed = (d: { Statement: { Sid?: string; Action?: unknown }[] }) => {
            for (const st of d.Statement.filter((x) => x.Sid === "SealFreezeAirlock")) st.Action = "s3:PutObject";
        };
        const released = {
            op: "update",
            urn: names.releasedBucket,
            type: "aws:s3/bucketPolicy:BucketPolicy",
            diffs: ["policy"],
            old: { policy: bucketPolicyOf(plan, names.releasedBucket).inputs.policy },
            new: {
                policy: JSON.stringify(
                    (() => {
                        const d = JSON.parse(String(bucketPolicyOf(sealed, names.releasedBucket).inputs.policy));
                        narrowed(d);
                        return d;
                    })(),
                ),
            },
        };
        expect(contentOffence(released, "bucketPolicy", true, expected)).toMatch(/SealFreezeAirlock/);
    });

    it("verify-seal judges the freeze by content: present as rendered passes, missing or altered is a finding per bucket", () => {
        const t = targetsFor(spec, {
            keyArn: { value: ofType(plan, TOKEN.key)[0].outputs.arn as string, secret: false },
            s3EndpointId: { value: plan.resources.find((r) => r.name.endsWith("-s3-endpoint"))!.outputs.id as string, secret: false },
        });
        expect(t.airlockBuckets.sort()).toEqual([names.outboxBucket, names.controlBucket, names.releasedBucket].sort());
        const frozen = airlockFreezeDocuments({ ...t.policyInputs, sealed: true, sealedAt: SEALED_AT });
        const airlockFindings = (buckets: Observed["buckets"]) =>
            sealFindings({ ...EMPTY_OBSERVED, buckets }, t, SEALED_AT)
                .filter((f) => f.startsWith("airlock bucket"))
                .sort();
        expect(airlockFindings(frozen as unknown as Observed["buckets"])).toEqual([]);
        expect(airlockFindings({})).toEqual([
            `airlock bucket ${names.controlBucket}: policy has no SealDenyVendor`,
            `airlock bucket ${names.controlBucket}: policy has no SealFreezeAirlock`,
            `airlock bucket ${names.outboxBucket}: policy has no SealDenyVendor`,
            `airlock bucket ${names.releasedBucket}: policy has no SealDenyVendor`,
            `airlock bucket ${names.releasedBucket}: policy has no SealFreezeAirlock`,
        ]);
        // The right Sid with a narrower action list (the released bucket's reads let through) is not the freeze.
        const weakened = structuredClone(frozen) as Record<string, { Statement: { Sid?: string; Action?: unknown }[] }>;
        for (const st of weakened[names.releasedBucket].Statement.filter((x) => x.Sid === "SealFreezeAirlock")) st.Action = "s3:PutObject";
        const found = airlockFindings(weakened as unknown as Observed["buckets"]);
        expect(found).toHaveLength(1);
        expect(found[0]).toBe(
            `airlock bucket ${names.releasedBucket}: policy: SealFreezeAirlock is not the sealed spec's (Action expected ["s3:PutObject","s3:GetObject","s3:GetObjectVersion","s3:ListBucket","s3:ListBucketVersions"], found "s3:PutObject")`,
        );
    });
});

/** Nothing read back but what a test sets (verify's other entries then report their own gaps, filtered out). */
const EMPTY_OBSERVED: Observed = { roles: {}, keyState: "NotFound", keyPolicy: null, buckets: {}, endpoint: null, interfaceEndpoints: [], dnsFirewall: [] };

describe("airlock spec validation", () => {
    const write = (dir: string, id: string, body: object) => fs.writeFileSync(path.join(dir, `${id}.yaml`), stringify(body));
    const raw = () => structuredClone(spec) as unknown as Record<string, unknown> & { airlock: Record<string, unknown>; access: { principals: string[] } };
    const refuse = (body: object) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "airlock-spec-"));
        write(dir, spec.id, body);
        try {
            loadVendorSpec(path.join(dir, `${spec.id}.yaml`), spec.id);
            return "accepted";
        } catch (e) {
            return e instanceof SpecError ? e.message : String(e);
        }
    };

    it("refuses fewer than two approvers, the same approver twice, a wildcard, and a vendor principal as approver or recipient", () => {
        const one = raw();
        one.airlock.approvers = [spec.airlock!.approvers[0]];
        expect(refuse(one)).toMatch(/airlock\.approvers.*fewer than 2 approvers/);
        const twice = raw();
        twice.airlock.approvers = [spec.airlock!.approvers[0], spec.airlock!.approvers[0]];
        expect(refuse(twice)).toMatch(/airlock\.approvers.*lists an approver twice/);
        const star = raw();
        star.airlock.approvers = ["arn:aws:iam::111122223333:role/*", spec.airlock!.approvers[0]];
        expect(refuse(star)).toMatch(/wildcard/);
        const own = raw();
        own.airlock.approvers = [spec.access.principals[0], spec.airlock!.approvers[0]];
        expect(refuse(own)).toMatch(/airlock\.approvers\[0\].*one of this vendor's access\.principals/);
        const enclaveRole = raw();
        enclaveRole.airlock.approvers = [`arn:aws:iam::${spec.account.id}:role/enclave-${spec.id}-airlock`, spec.airlock!.approvers[0]];
        expect(refuse(enclaveRole)).toMatch(new RegExp(`airlock\\.approvers\\[0\\].*one of this enclave's own roles \\(enclave-${spec.id}-\\*\\)`));
        const recipient = raw();
        recipient.airlock.recipient = spec.access.principals[0];
        expect(refuse(recipient)).toMatch(/airlock\.recipient.*write vendor instead/);
        const nonsense = raw();
        nonsense.airlock.recipient = "everyone";
        expect(refuse(nonsense)).toMatch(/airlock\.recipient/);
        expect(refuse(raw())).toBe("accepted");
    });

    it("refuses, across the folder, an approver that another vendor lists as its principal (exit 2, naming both files)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "airlock-folder-"));
        fs.copyFileSync(path.join(AIRLOCK_DIR, "security.yaml"), path.join(dir, "security.yaml"));
        const other = structuredClone(vendorFixture(ACME)) as unknown as { access: { principals: string[] } };
        other.access.principals = [spec.airlock!.approvers[1]];
        write(dir, ACME, other);
        write(dir, spec.id, raw());
        let err: unknown;
        try {
            loadFolderVendors(dir);
        } catch (e) {
            err = e;
        }
        expect(err).toBeInstanceOf(SpecError);
        expect((err as SpecError).field).toBe("airlock.approvers");
        expect((err as Error).message).toContain(`names ${spec.airlock!.approvers[1]}, which ${path.join(dir, `${ACME}.yaml`)}`);
    });
});

describe("the deployer and break-glass hold no vote", () => {
    const security = loadSecuritySpec(path.join(AIRLOCK_DIR, "security.yaml"));
    const write = (dir: string, id: string, body: object) => fs.writeFileSync(path.join(dir, `${id}.yaml`), stringify(body));
    const withApprovers = (approvers: string[]): VendorSpec => ({ ...spec, airlock: { ...spec.airlock!, approvers } });

    it("plan refuses the security stack's deployer as an approver: exit 2, one line naming the file, field, value and fix", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "airlock-operator-"));
        fs.copyFileSync(path.join(AIRLOCK_DIR, "security.yaml"), path.join(dir, "security.yaml"));
        const deployer = loadSecuritySpec(path.join(dir, "security.yaml")).deployerRoleArn;
        const body = structuredClone(spec) as unknown as { airlock: { approvers: string[] } };
        body.airlock.approvers = [spec.airlock!.approvers[0], deployer];
        write(dir, spec.id, body);
        const file = path.join(dir, `${spec.id}.yaml`);
        const r = await runCli(["plan", "--spec", file]);
        expect(r.code).toBe(2);
        const lines = stripVTControlCharacters(r.err).trim().split("\n");
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain(
            `airlock.approvers[1] is the deployer role (the security stack's deployerRoleArn): got "${deployer}". Fix: approvers are lab reviewers; name a role that neither deploys the enclaves nor holds break-glass.`,
        );
        expect(lines[0]).toContain(file);
    });

    it("refuses break-glass, and the operators' roles in an account-mode enclave's own account; accepts other lab roles", () => {
        const glass = withApprovers([security.breakGlassRoleArn, spec.airlock!.approvers[0]]);
        let err: unknown;
        try {
            checkVendorAgainstSecurity(glass, "stacks/harbor-annotate.yaml", security);
        } catch (e) {
            err = e;
        }
        expect(err).toBeInstanceOf(SpecError);
        expect((err as SpecError).field).toBe("airlock.approvers");
        expect((err as Error).message).toContain(
            `airlock.approvers[0] is the break-glass role (the security stack's breakGlassRoleArn): got "${security.breakGlassRoleArn}"`,
        );
        // Account mode: the deployer deploys as the role of the same name in the member account.
        const member = "222233334444";
        const memberDeployer = security.deployerRoleArn.replace(`::${security.account.id}:`, `::${member}:`);
        expect(
            operatorApprovers({ ...withApprovers([spec.airlock!.approvers[0], memberDeployer]), account: { ...spec.account, id: member } }, security),
        ).toEqual([{ index: 1, principal: memberDeployer, operator: "deployerRoleArn" }]);
        expect(operatorApprovers(spec, security)).toEqual([]);
        expect(() => checkVendorAgainstSecurity(spec, "stacks/harbor-annotate.yaml", security)).not.toThrow();
    });
});

describe("the airlock-export-controls guardrail notices a weakened airlock", () => {
    const edited = (p: Plan, bucket: string, edit: (statements: Record<string, unknown>[]) => Record<string, unknown>[]): Plan => {
        const copy = structuredClone(p);
        const r = bucketPolicyOf(copy, bucket);
        const doc = parsePolicyDocument(r.inputs.policy)!;
        // The pack reads what the resource will be (its outputs), the plan diff its inputs: both change.
        r.inputs.policy = r.outputs.policy = JSON.stringify({ ...doc, Statement: edit(doc.Statement as unknown as Record<string, unknown>[]) });
        return copy;
    };
    const airlockFindings = async (p: Plan) => (await checkPlan(p)).filter((v) => v.policy === "airlock-export-controls").map((v) => v.message);

    it.each([
        [
            "the outbox lets the vendor side read and list (its put-only deny dropped)",
            () => edited(plan, names.outboxBucket, (s) => s.filter((x) => x.Sid !== "DenyVendorBeyondSubmit")),
            /does not deny s3:GetObject to the vendor-side roles/,
        ],
        [
            "the released bucket's recipient-only read deny dropped (the airlock role and the deployer may read)",
            () => edited(plan, names.releasedBucket, (s) => s.filter((x) => x.Sid !== "DenyReadsExceptRecipient")),
            /enclave-harbor-annotate-airlock, .* may read released files/,
        ],
        [
            "one approver's decision slot no longer pinned",
            () =>
                edited(plan, names.controlBucket, (s) =>
                    s.filter((x) => !String(x.Sid).startsWith("DecisionSlot") || x.Sid === s.find((y) => String(y.Sid).startsWith("DecisionSlot"))!.Sid),
                ),
            /1 decision slot\(s\) pinned to an approver; a release needs two/,
        ],
        [
            "sealed, the control bucket's freeze missing",
            () => edited(sealed, names.controlBucket, (s) => s.filter((x) => x.Sid !== "SealFreezeAirlock")),
            /sealed, but the control bucket still accepts decisions/,
        ],
        [
            "sealed, the released bucket's freeze missing",
            () => edited(sealed, names.releasedBucket, (s) => s.filter((x) => x.Sid !== "SealFreezeAirlock")),
            /sealed, but the released bucket still accepts or serves files/,
        ],
        [
            "the fingerprint rule's target without its dead-letter queue",
            () => {
                const copy = structuredClone(plan);
                const t = ofType(copy, TOKEN.eventTarget).find((x) => x.inputs.rule === `enclave-${spec.id}-airlock-fingerprint`)!;
                for (const side of [t.inputs, t.outputs]) delete side.deadLetterConfig;
                return copy;
            },
            /airlock-target-fingerprint: the airlock event target has no dead-letter queue of the airlock/,
        ],
        [
            "the dead-letter queue unencrypted",
            () => {
                const copy = structuredClone(plan);
                const [q] = ofType(copy, TOKEN.sqsQueue);
                for (const side of [q.inputs, q.outputs]) delete side.sqsManagedSseEnabled;
                return copy;
            },
            /the airlock's dead-letter queue is not encrypted/,
        ],
    ])("%s", async (_what, make, finding) => {
        const found = await airlockFindings(make());
        expect(found.length).toBeGreaterThan(0);
        expect(found).toContainEqual(expect.stringMatching(finding));
    });

    it("the intact plans give it nothing to say", async () => {
        expect(await airlockFindings(plan)).toEqual([]);
        expect(await airlockFindings(sealed)).toEqual([]);
    });
});
