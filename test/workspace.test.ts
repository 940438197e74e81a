import { stripVTControlCharacters } from "node:util";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadVendorSpec } from "../config/load";
import type { VendorSpec } from "../config/schema";
import { interfaceEndpointsOf, workspaceSlots } from "../config/workspace";
import { checkPlan } from "../guardrails/offline";
import { FORWARDING_SESSION_DOCUMENTS, SESSION_RUN_AS_USER } from "../iam/session";
import { planSecurity, planVendor } from "../plan/stacks";
import type { Plan, PlanResource } from "../plan/types";
import { simulate, worldFromPlans, type World } from "../review/simulate";
import { simulateStartSession } from "../review/session";
import { accessReport, renderAccessMarkdown, type AccessReport } from "../review/access";
import { diffReports, type AccessFact } from "../review/accessDiff";
import { runCli } from "./support/cli";
import * as fs from "node:fs";
import * as os from "node:os";
import { TOKEN } from "../contract/tokens";
import { estimatePlan } from "../cost/estimate";
import { UnknownRegionError } from "../cost/prices";
import { renderCost } from "../cost/render";
import { FIXTURES_DIR, SEALED_AT, securityFixture, vendorFixture } from "./support/fixtures";

// A vendor with a workspace, planned offline from test/fixtures/workspace/ and checked by the guardrails; its session
// path proved by simulation over the planned policies. What this cannot prove: that the SSM agent really refuses to
// start a session it cannot log (AWS documents that it does with s3EncryptionEnabled/cloudWatchEncryptionEnabled), that
// EC2 resolves the image parameter, or anything a person does with what a session shows them.

const security = securityFixture();
const spec = loadVendorSpec(path.join(FIXTURES_DIR, "workspace", "studio-nine.yaml"));
const other: VendorSpec = {
    ...spec,
    id: "other-nine",
    network: { ...spec.network, cidr: "10.41.0.0/22" },
    access: { ...spec.access, principals: ["arn:aws:iam::444455556666:role/other-annotators"] },
};
const ACCT = spec.account.id;
const DOC = `arn:aws:ssm:us-east-1:${ACCT}:document/enclave-studio-nine-session`;
const OTHER_DOC = `arn:aws:ssm:us-east-1:${ACCT}:document/enclave-other-nine-session`;
const INSTANCE = `arn:aws:ec2:us-east-1:${ACCT}:instance/i-0123456789abcdef0`;
const VENDOR_ROLE = `arn:aws:iam::${ACCT}:role/enclave-studio-nine-vendor`;

let plan: Plan;
let sealed: Plan;
let world: World;
let sealedWorld: World;
let securityPlan: Plan;
let archiveWorld: World;

beforeAll(async () => {
    plan = await planVendor(spec, security);
    const otherPlan = await planVendor(other, security);
    sealed = await planVendor({ ...spec, sealed: true, sealedAt: SEALED_AT }, security);
    world = worldFromPlans(plan, otherPlan);
    sealedWorld = worldFromPlans(sealed, otherPlan);
    securityPlan = await planSecurity(security, [spec, other]);
    archiveWorld = worldFromPlans(securityPlan, plan, otherPlan);
});

const ofType = (p: Plan, type: string) => p.resources.filter((r) => r.type === type);
const named = (p: Plan, name: string): PlanResource => {
    const r = p.resources.find((x) => x.name === name);
    if (!r) throw new Error(`${name} not in plan`);
    return r;
};

describe("workspace spec and plan", () => {
    it("count 0 by default creates nothing and adds no endpoint", () => {
        const acme = vendorFixture("acme-labeling");
        expect(acme.workspace.count).toBe(0);
        expect(interfaceEndpointsOf(acme)).toEqual(acme.network.interfaceEndpoints);
    });

    it("slot keys are AZ plus a global ordinal; lowering the count removes only the last", () => {
        const zones = ["us-east-1a", "us-east-1b"];
        expect(workspaceSlots(zones, 3).map((s) => s.key)).toEqual(["us-east-1a-1", "us-east-1b-2", "us-east-1a-3"]);
        expect(workspaceSlots(zones, 2).map((s) => s.key)).toEqual(["us-east-1a-1", "us-east-1b-2"]);
    });

    it("plans offline and passes enclave check", async () => {
        const violations = await checkPlan(plan);
        expect(violations.map((v) => `${v.policy}: ${v.message}`)).toEqual([]);
    });

    it("instances: private subnet, no public address, IMDSv2 hop 1, EBS encrypted with the vendor key, the workload profile", () => {
        const instances = ofType(plan, TOKEN.instance);
        expect(instances.map((i) => i.name).sort()).toEqual([
            "studio-nine-workspace-us-east-1a-1",
            "studio-nine-workspace-us-east-1a-3",
            "studio-nine-workspace-us-east-1b-2",
        ]);
        const key = ofType(plan, TOKEN.key)[0].outputs.arn;
        for (const i of instances) {
            expect(i.inputs.associatePublicIpAddress).toBe(false);
            expect(i.inputs.metadataOptions).toMatchObject({ httpTokens: "required", httpPutResponseHopLimit: 1 });
            expect(i.inputs.rootBlockDevice).toMatchObject({ encrypted: true, kmsKeyId: key, volumeSize: 40 });
            expect(i.inputs.iamInstanceProfile).toBe("enclave-studio-nine-workload");
            expect(i.inputs.ami).toBe("resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
            expect(i.inputs.tags).toMatchObject({ "enclave:vendor": "studio-nine" });
        }
    });

    it("the workspace group has no ingress and reaches only the endpoint group and the S3 prefix list on 443", () => {
        const sg = named(plan, "studio-nine-workspace-sg");
        const endpointSg = named(plan, "studio-nine-network-endpoints-sg");
        expect(sg.inputs.ingress).toEqual([]);
        const egress = sg.inputs.egress as Record<string, unknown>[];
        expect(egress.length).toBe(2);
        for (const e of egress) {
            expect([e.fromPort, e.toPort, e.protocol, e.cidrBlocks ?? []]).toEqual([443, 443, "tcp", []]);
        }
        expect(egress[0].securityGroups).toEqual([endpointSg.outputs.id]);
        expect((egress[1].prefixListIds as string[]).length).toBe(1);
    });

    it("the three Session Manager endpoints (and logs) exist, each with a policy for the workload role only", () => {
        const endpoints = ofType(plan, TOKEN.endpoint).filter((e) => e.inputs.vpcEndpointType === "Interface");
        expect(endpoints.map((e) => String(e.inputs.serviceName).split(".").pop()).sort()).toEqual(["ec2messages", "kms", "logs", "ssm", "ssmmessages"]);
        for (const svc of ["ssm", "ssmmessages", "ec2messages"]) {
            const doc = JSON.parse(named(plan, `studio-nine-network-${svc}-endpoint`).inputs.policy as string);
            expect(doc.Statement.map((s: { Condition: unknown }) => s.Condition)).toEqual([
                { StringEquals: { "aws:PrincipalArn": `arn:aws:iam::${ACCT}:role/enclave-studio-nine-workload` } },
            ]);
        }
    });

    it("the session document: shell only, non-root, logged to the archive and CloudWatch with encryption enforced", () => {
        const doc = named(plan, "studio-nine-workspace-session-document");
        expect(doc.inputs.documentType).toBe("Session");
        const content = JSON.parse(doc.inputs.content as string);
        expect(content.sessionType).toBe("Standard_Stream");
        expect(content.inputs).toMatchObject({
            s3BucketName: "enclave-log-archive-111122223333-us-east-1",
            s3KeyPrefix: "vendors/studio-nine/sessions",
            s3EncryptionEnabled: true,
            cloudWatchLogGroupName: "/enclave/studio-nine/workload",
            cloudWatchEncryptionEnabled: true,
            runAsEnabled: true,
            runAsDefaultUser: SESSION_RUN_AS_USER,
        });
        expect(SESSION_RUN_AS_USER).not.toBe("root");
    });
});

describe("the session path, simulated", () => {
    const start = (w: World, instanceVendorTag: string, documentArn = DOC, extra: { tokenIssueTime?: string; currentTime?: string } = {}) =>
        simulateStartSession(w, { principal: VENDOR_ROLE, instanceArn: INSTANCE, instanceVendorTag, documentArn, ...extra });

    it("the vendor may start a session on its own instance with the enclave's document", async () => {
        const r = await start(world, "studio-nine");
        expect([r.instance.decision, r.document.decision]).toEqual(["Allowed", "Allowed"]);
    });

    it("not on another vendor's instance", async () => {
        const r = await start(world, "other-nine");
        expect(r.allowed).toBe(false);
        expect(r.instance.decision).toBe("ImplicitlyDenied");
    });

    it("not with another enclave's document, nor the account's default shell document", async () => {
        for (const doc of [OTHER_DOC, `arn:aws:ssm:us-east-1:${ACCT}:document/SSM-SessionManagerRunShell`]) {
            const r = await start(world, "studio-nine", doc);
            expect([doc, r.document.decision, r.document.decidedBy.sid]).toEqual([doc, "ExplicitlyDenied", "DenySessionsElsewhere"]);
        }
    });

    it("not a port-forwarding or SSH session", async () => {
        for (const d of FORWARDING_SESSION_DOCUMENTS) {
            // AWS writes these ARNs with an empty account; iam-simulate accepts only ARNs with one, so the test names the
            // lab's account (the deny's Resource has "*" for the account and matches both forms).
            const r = await start(world, "studio-nine", `arn:aws:ssm:us-east-1:${ACCT}:document/${d}`);
            expect([d, r.document.decision]).toEqual([d, "ExplicitlyDenied"]);
            expect(r.document.denials.map((x) => x.sid)).toContain("DenyForwardingSessions");
        }
    });

    it("never SendCommand, even to its own instance", async () => {
        const r = await simulate(world, {
            principal: VENDOR_ROLE,
            action: "ssm:SendCommand",
            resource: INSTANCE,
            context: { "ssm:resourceTag/enclave:vendor": "studio-nine" },
        });
        expect([r.decision, r.decidedBy.sid]).toEqual(["ExplicitlyDenied", "DenySendCommand"]);
    });

    it("not after the seal, neither a new session nor one resumed", async () => {
        const r = await start(sealedWorld, "studio-nine", DOC, { tokenIssueTime: "2026-11-23T12:30:00Z", currentTime: "2026-11-23T12:40:00Z" });
        expect([r.instance.decision, r.instance.decidedBy.sid]).toEqual(["ExplicitlyDenied", "SealDenyAll"]);
        const resume = await simulate(sealedWorld, {
            principal: VENDOR_ROLE,
            action: "ssm:ResumeSession",
            resource: `arn:aws:ssm:us-east-1:${ACCT}:session/enclave-simulation-0abc`,
            tokenIssueTime: "2026-11-23T12:30:00Z",
            currentTime: "2026-11-23T12:40:00Z",
        });
        expect(resume.decision).toBe("ExplicitlyDenied");
    });

    it("not without the document check: a StartSession whose context lacks ssm:SessionDocumentAccessCheck gets no instance", async () => {
        // The same request as the allowed one, minus the key; with BoolIfExists it would be allowed. What this cannot
        // prove: whether AWS ever sends a StartSession without that key (AWS documents that the default document must be
        // granted in IAM either way).
        for (const replace of [[], ["identity"]] as ("identity" | "boundary")[][]) {
            const r = await simulate(
                world,
                { principal: VENDOR_ROLE, action: "ssm:StartSession", resource: INSTANCE, context: { "ssm:resourceTag/enclave:vendor": "studio-nine" } },
                { replace },
            );
            expect([replace.join(), r.decision, r.allowed]).toEqual([replace.join(), "ImplicitlyDenied", false]);
        }
        const withCheck = await simulate(world, {
            principal: VENDOR_ROLE,
            action: "ssm:StartSession",
            resource: INSTANCE,
            context: { "ssm:resourceTag/enclave:vendor": "studio-nine", "ssm:SessionDocumentAccessCheck": "true" },
        });
        expect([withCheck.decision, withCheck.decidedBy.sid]).toEqual(["Allowed", "StartSessionOnEnclaveInstances"]);
    });

    it("the boundary alone refuses another vendor's instance (defense in depth)", async () => {
        const r = await simulate(
            world,
            {
                principal: VENDOR_ROLE,
                action: "ssm:StartSession",
                resource: INSTANCE,
                context: { "ssm:resourceTag/enclave:vendor": "other-nine", "ssm:SessionDocumentAccessCheck": "true" },
            },
            { replace: ["identity"] },
        );
        expect(r.decision).toBe("ImplicitlyDenied");
        expect(r.decidedBy.layer).toBe("boundary");
    });
});

describe("session transcripts in the archive", () => {
    const ARCHIVE = "arn:aws:s3:::enclave-log-archive-111122223333-us-east-1";
    const WORKLOAD = `arn:aws:iam::${ACCT}:role/enclave-studio-nine-workload`;
    // The S3 request only: the archive key's grant is pinned by kms:EncryptionContext:aws:s3:arn, which iam-simulate
    // ignores, so the key side is held to its exact document below instead.
    const put = async (key: string) => {
        const s3 = await simulate(
            archiveWorld,
            {
                principal: WORKLOAD,
                action: "s3:PutObject",
                resource: `${ARCHIVE}/${key}`,
                network: { via: "endpoint", endpointId: String(named(plan, "studio-nine-network-s3-endpoint").outputs.id) },
                sse: null,
            },
            { chainKms: false },
        );
        return { s3 };
    };

    it("the security stack with a workspace vendor passes enclave check", async () => {
        const violations = await checkPlan(securityPlan);
        expect(violations.map((v) => `${v.policy}: ${v.message}`)).toEqual([]);
    });

    it("the workload role writes its own session prefix (bucket, endpoint, boundary and identity all allow)", async () => {
        const r = await put("vendors/studio-nine/sessions/s-1.log");
        expect(r.s3.decision).toBe("Allowed");
    });

    it("the archive key admits the writer only for its own prefix (by document: the simulator ignores kms:EncryptionContext:aws:s3:arn)", () => {
        const key = ofType(securityPlan, TOKEN.key).find((k) => String(k.inputs.description).startsWith("Central log archive"))!;
        const st = JSON.parse(key.inputs.policy as string).Statement.find((x: { Sid: string }) => x.Sid === "SessionLogsEncryptStudioNine");
        expect(st).toEqual({
            Sid: "SessionLogsEncryptStudioNine",
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${ACCT}:root` },
            Action: ["kms:GenerateDataKey"],
            Resource: "*",
            Condition: {
                StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:CallerAccount": ACCT },
                ArnEquals: { "aws:PrincipalArn": WORKLOAD },
                StringLike: { "kms:EncryptionContext:aws:s3:arn": `${ARCHIVE}/vendors/studio-nine/sessions/*` },
            },
        });
    });

    it("not another vendor's session prefix, nor its own flow logs or trail (no forged logs)", async () => {
        for (const key of [
            "vendors/other-nine/sessions/s-1.log",
            "vendors/studio-nine/flow-logs/AWSLogs/x.gz",
            "vendors/studio-nine/cloudtrail/AWSLogs/x.json.gz",
        ]) {
            const r = await put(key);
            expect([key, r.s3.allowed]).toEqual([key, false]);
        }
    });
});

describe("hostile review: the vendor inside a session", () => {
    // What the plan and the simulation can show. Not shown here: that the instance has no route it was not planned with
    // (the mock has no AWS), that the SSM agent refuses an unlogged session, or what the session user does on the host.
    const ARCHIVE = "arn:aws:s3:::enclave-log-archive-111122223333-us-east-1";
    const WORKLOAD = `arn:aws:iam::${ACCT}:role/enclave-studio-nine-workload`;
    const INTERNET = { via: "internet" as const, sourceIp: "203.0.113.10" };

    it("no way out to the internet: no gateway, NAT or public address, no route but the S3 endpoint's, DNS only for AWS names, fail closed", () => {
        for (const kind of ["aws:ec2/internetGateway:InternetGateway", "aws:ec2/natGateway:NatGateway", "aws:ec2/eip:Eip", "aws:ec2/route:Route"])
            expect([kind, ofType(plan, kind).length]).toEqual([kind, 0]);
        expect(ofType(plan, TOKEN.routeTable).map((r) => r.inputs.routes ?? [])).toEqual([[]]);
        const rules = ofType(plan, "aws:route53/resolverFirewallRule:ResolverFirewallRule").map((r) => [r.inputs.priority, r.inputs.action]);
        expect(rules.sort()).toEqual([
            [100, "ALLOW"],
            [200, "BLOCK"],
        ]);
        expect(named(plan, "studio-nine-network-dns-all-domains").inputs.domains).toEqual(["*"]);
        expect(named(plan, "studio-nine-network-dns-aws-domains").inputs.domains).toEqual([
            "amazonaws.com",
            "*.amazonaws.com",
            "*.compute.internal",
            "*.ec2.internal",
        ]);
        expect(ofType(plan, "aws:route53/resolverFirewallConfig:ResolverFirewallConfig")[0].inputs.firewallFailOpen).toBe("DISABLED");
    });

    it("the instance role's credentials, taken out of the VPC, cannot add objects to the transcript prefix", async () => {
        const outside = await simulate(
            archiveWorld,
            { principal: WORKLOAD, action: "s3:PutObject", resource: `${ARCHIVE}/vendors/studio-nine/sessions/forged.log`, network: INTERNET, sse: null },
            { chainKms: false },
        );
        expect([outside.decision, outside.decidedBy.layer]).toEqual(["ImplicitlyDenied", "identity"]);
        // Nor read the datasets from there (the perimeter deny on the S3 endpoint).
        const read = await simulate(world, {
            principal: WORKLOAD,
            action: "s3:GetObject",
            resource: "arn:aws:s3:::studio-nine--raw-images--111122223333/x",
            network: INTERNET,
        });
        expect([read.decision, read.decidedBy.sid]).toEqual(["ExplicitlyDenied", "DenyDataOutsideNetworkPerimeter"]);
    });

    it("neither role can stop or reroute session logging, raise the IMDS hop limit, change a document or run one as root", async () => {
        const denied: [string, string][] = [
            ["ssm:UpdateDocument", `arn:aws:ssm:us-east-1:${ACCT}:document/enclave-studio-nine-session`],
            ["ssm:UpdateDocument", `arn:aws:ssm:us-east-1:${ACCT}:document/SSM-SessionManagerRunShell`],
            ["ssm:DeleteDocument", `arn:aws:ssm:us-east-1:${ACCT}:document/enclave-studio-nine-session`],
            ["ssm:CreateDocument", `arn:aws:ssm:us-east-1:${ACCT}:document/vendor-made`],
            ["logs:DeleteLogGroup", `arn:aws:logs:us-east-1:${ACCT}:log-group:/enclave/studio-nine/workload`],
            ["logs:DeleteLogStream", `arn:aws:logs:us-east-1:${ACCT}:log-group:/enclave/studio-nine/workload:log-stream:s-1`],
            ["logs:PutRetentionPolicy", `arn:aws:logs:us-east-1:${ACCT}:log-group:/enclave/studio-nine/workload`],
            ["logs:DisassociateKmsKey", `arn:aws:logs:us-east-1:${ACCT}:log-group:/enclave/studio-nine/workload`],
            ["s3:PutEncryptionConfiguration", ARCHIVE],
            ["s3:DeleteObject", `${ARCHIVE}/vendors/studio-nine/sessions/s-1.log`],
            ["ec2:ModifyInstanceMetadataOptions", INSTANCE],
            ["ec2:ModifyInstanceAttribute", INSTANCE],
            ["ec2:AuthorizeSecurityGroupEgress", `arn:aws:ec2:us-east-1:${ACCT}:security-group/sg-0123456789abcdef0`],
            // Other ways to run a document as root on the instance, besides SendCommand.
            ["ssm:CreateAssociation", INSTANCE],
            ["ssm:StartAutomationExecution", `arn:aws:ssm:us-east-1:${ACCT}:automation-definition/AWS-RunShellScript:$DEFAULT`],
        ];
        for (const principal of [VENDOR_ROLE, WORKLOAD]) {
            for (const [action, resource] of denied) {
                const r = await simulate(archiveWorld, { principal, action, resource, network: INTERNET });
                expect([principal, action, resource, r.decision]).toEqual([principal, action, resource, "ExplicitlyDenied"]);
            }
        }
    });

    it("the session runs as a user without sudo, created at boot; IMDS answers one hop only and hides the instance's tags", () => {
        for (const i of ofType(plan, TOKEN.instance)) {
            const userData = String(i.inputs.userData);
            expect(userData).toContain(`useradd --create-home --shell /bin/bash ${SESSION_RUN_AS_USER}`);
            expect(userData).not.toMatch(/sudo|wheel|NOPASSWD/);
            expect(i.inputs.metadataOptions).toEqual({
                httpEndpoint: "enabled",
                httpTokens: "required",
                httpPutResponseHopLimit: 1,
                instanceMetadataTags: "disabled",
            });
        }
    });
});

describe("the contain step's pure pieces", () => {
    it("terminates every active session on the enclave's instances, whatever document or owner, and nothing else", async () => {
        const { sessionsToTerminate } = await import("../iam/containment.js");
        const sessions = [
            {
                SessionId: "b-2",
                Target: "i-1",
                Owner: "arn:aws:sts::111122223333:assumed-role/enclave-studio-nine-vendor/x",
                DocumentName: "enclave-studio-nine-session",
            },
            { SessionId: "a-1", Target: "i-2", Owner: "arn:aws:sts::111122223333:assumed-role/someone/y", DocumentName: "AWS-StartPortForwardingSession" },
            { SessionId: "c-3", Target: "i-9", DocumentName: "enclave-other-nine-session" },
            { SessionId: "b-2", Target: "i-1" },
            { Target: "i-1" },
        ];
        expect(sessionsToTerminate(sessions, ["i-1", "i-2"])).toEqual(["a-1", "b-2"]);
    });

    it("isolates every instance into the isolation group only, and skips those already isolated", async () => {
        const { isolationChanges, enclaveInstancesQuery } = await import("../iam/containment.js");
        expect(
            isolationChanges(
                [
                    { InstanceId: "i-2", GroupIds: ["sg-ws"] },
                    { InstanceId: "i-1", GroupIds: ["sg-iso"] },
                    { InstanceId: "i-0", GroupIds: ["sg-iso", "sg-ws"] },
                ],
                "sg-iso",
            ),
        ).toEqual([
            { instanceId: "i-0", groups: ["sg-iso"] },
            { instanceId: "i-2", groups: ["sg-iso"] },
        ]);
        expect(enclaveInstancesQuery("studio-nine").Filters[0]).toEqual({ Name: "tag:enclave:vendor", Values: ["studio-nine"] });
    });
});

describe("the cost estimate includes the workspace", () => {
    it("instances by type for the month, their gp3 volumes, and the session endpoints per AZ, to the cent", () => {
        const est = estimatePlan(plan);
        const line = (prefix: string) => {
            const l = est.lines.find((x) => x.item.startsWith(prefix));
            if (!l) throw new Error(`no cost line ${prefix}`);
            return [l.item, l.quantity, l.unitUsd, l.usd];
        };
        // 3 x t3.large at $0.0832 for 730 h; 3 x 40 GB gp3 at $0.08; kms (listed) + ssm, ssmmessages, ec2messages and
        // logs (added by the workspace), each in 2 AZs at $0.01 per endpoint-AZ-hour.
        expect(line("workspace instances")).toEqual(["workspace instances (3 x t3.large) x 730 h", 3 * 730, 0.0832, 182.208]);
        expect(line("workspace root volumes")).toEqual(["workspace root volumes (120 GB gp3)", 120, 0.08, 9.6]);
        expect(line("interface endpoints")).toEqual(["interface endpoints (5, 2+2+2+2+2 AZs) x 730 h", 5 * 2 * 730, 0.01, 73]);
        expect(est.byArea.workspace).toBe(191.81);
        expect([est.pricesListedFor, est.pricesAsOf]).toEqual(["us-east-1", "2026-11-30 (instances, gp3, interface endpoints; the rest 2024-06)"]);
        const text = stripVTControlCharacters(renderCost(plan));
        expect(text.split("\n")[0]).toBe(
            "Monthly cost estimate (us-east-1): list prices for us-east-1 as of 2026-11-30 (instances, gp3, interface endpoints; the rest 2024-06), cost/prices.ts",
        );
        expect(text).toContain("  fixed  $182.21  workspace instances (3 x t3.large) x 730 h");
        expect(text).toContain("  fixed   $73.00  interface endpoints (5, 2+2+2+2+2 AZs) x 730 h");
    });

    it("an instance type without a price is refused, not guessed", () => {
        const p = structuredClone(plan);
        for (const r of p.resources.filter((x) => x.type === TOKEN.instance)) r.inputs.instanceType = "x9z.mega";
        expect(() => estimatePlan(p)).toThrow(UnknownRegionError);
        expect(() => estimatePlan(p)).toThrow(/no price for instance type "x9z.mega" in us-east-1/);
    });
});

describe("workspace guardrails catch planted violations", () => {
    const violationsAfter = async (edit: (p: Plan) => void) => {
        const p = structuredClone(plan);
        edit(p);
        return (await checkPlan(p)).map((v) => `${v.policy}: ${v.message}`);
    };
    const first = (p: Plan, type: string) => p.resources.find((r) => r.type === type)!;
    const set = (r: PlanResource, key: string, value: unknown) => {
        r.inputs[key] = value;
        r.outputs[key] = value;
    };

    it("IMDSv1, a second hop, a public address, an unencrypted volume", async () => {
        const v = await violationsAfter((p) => {
            const i = first(p, TOKEN.instance);
            set(i, "metadataOptions", { httpTokens: "optional", httpPutResponseHopLimit: 2 });
            set(i, "associatePublicIpAddress", true);
            set(i, "rootBlockDevice", { encrypted: false, volumeSize: 40 });
        });
        expect(v).toEqual(
            expect.arrayContaining([
                'ec2-workspace-instance-hardened: metadataOptions.httpTokens is "optional", not "required" (IMDSv2)',
                "ec2-workspace-instance-hardened: metadataOptions.httpPutResponseHopLimit is 2, not 1",
                "ec2-workspace-instance-hardened: associatePublicIpAddress is true, not false",
                "ec2-workspace-instance-hardened: rootBlockDevice.encrypted is false, not true",
                "ec2-workspace-instance-hardened: rootBlockDevice.kmsKeyId is not set: the volume would use the AWS managed key aws/ebs, which the seal cannot disable",
            ]),
        );
    });

    it("a volume under another key", async () => {
        const v = await violationsAfter((p) => {
            const i = first(p, TOKEN.instance);
            set(i, "rootBlockDevice", { ...(i.inputs.rootBlockDevice as object), kmsKeyId: "arn:aws:kms:us-east-1:111122223333:key/other" });
        });
        expect(v).toContain(
            "ec2-workspace-encrypted-and-endpoints-only: studio-nine-workspace-us-east-1a-1 encrypts a volume with arn:aws:kms:us-east-1:111122223333:key/other, not this vendor's key",
        );
    });

    it("a session document that may start unlogged, or as root, or forwards ports", async () => {
        const v = await violationsAfter((p) => {
            const d = first(p, TOKEN.ssmDocument);
            const c = JSON.parse(d.inputs.content as string);
            c.sessionType = "Port";
            c.inputs.s3EncryptionEnabled = false;
            c.inputs.cloudWatchEncryptionEnabled = false;
            c.inputs.runAsDefaultUser = "root";
            set(d, "content", JSON.stringify(c));
        });
        expect(v).toEqual(
            expect.arrayContaining([
                'ssm-session-document-logging-mandatory: sessionType is "Port", not "Standard_Stream" (a shell; port forwarding and commands bypass the transcript)',
                "ssm-session-document-logging-mandatory: inputs.s3EncryptionEnabled is not true: a session could start without an encrypted S3 transcript",
                "ssm-session-document-logging-mandatory: inputs.cloudWatchEncryptionEnabled is not true: a session could start without an encrypted CloudWatch stream",
                'ssm-session-document-logging-mandatory: inputs.runAsEnabled/runAsDefaultUser is true/"root": sessions must run as a named non-root user',
            ]),
        );
    });

    it("ingress, egress to a CIDR or another port", async () => {
        const v = await violationsAfter((p) => {
            const g = named(p, "studio-nine-workspace-sg");
            set(g, "ingress", [{ description: "ssh", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["10.40.0.0/22"] }]);
            set(g, "egress", [{ description: "out", protocol: "tcp", fromPort: 8443, toPort: 8443, cidrBlocks: ["10.40.0.0/22"] }]);
        });
        expect(v).toEqual(
            expect.arrayContaining([
                "ec2-workspace-encrypted-and-endpoints-only: studio-nine-workspace-sg (on studio-nine-workspace-us-east-1a-1) has ingress rules: Session Manager needs none",
                "ec2-workspace-encrypted-and-endpoints-only: studio-nine-workspace-sg (on studio-nine-workspace-us-east-1a-1) allows egress tcp 8443-8443, not HTTPS only",
                "ec2-workspace-encrypted-and-endpoints-only: studio-nine-workspace-sg (on studio-nine-workspace-us-east-1a-1) allows egress to CIDRs 10.40.0.0/22, not the enclave's endpoints",
            ]),
        );
    });
});

describe("the access report shows the session path", () => {
    const OWN = "this enclave's instances (enclave:vendor=studio-nine)";
    const SHELL_TERMS = [
        "runs as enclave",
        "transcript to s3://enclave-log-archive-111122223333-us-east-1/vendors/studio-nine/sessions encrypted, or no session",
        "streamed to CloudWatch /enclave/studio-nine/workload encrypted, or no session",
        "idle timeout 20 min",
        "at most 60 min",
    ];
    let report: AccessReport;
    beforeAll(async () => {
        report = await accessReport(world, "studio-nine");
    });
    const row = (r: AccessReport, principal: string, action: string, target: string, document: string) => {
        const found = r.sessions!.find((s) => s.principalLabel === principal && s.action === action && s.target === target && s.document === document);
        if (!found) throw new Error(`no session row ${principal} ${action} ${target} ${document}`);
        return found;
    };

    it("allowed: only the vendor role, a shell on its own instances with the enclave's document, logged; its own sessions resumed or ended", () => {
        const allowed = report.sessions!.filter((s) => s.decision === "Allowed");
        expect(allowed.map((s) => [s.principalLabel, s.action, s.target, s.document, s.opens, s.conditions])).toEqual([
            ["role/enclave-studio-nine-vendor", "ssm:StartSession", OWN, "enclave-studio-nine-session", "shell", SHELL_TERMS],
            ["role/enclave-studio-nine-vendor", "ssm:ResumeSession", "its own session", "-", "-", []],
            ["role/enclave-studio-nine-vendor", "ssm:TerminateSession", "its own session", "-", "-", []],
        ]);
        expect(report.sessionInstances!.map((i) => `${i.name}=${i.vendorTag}`)).toEqual([
            "studio-nine-workspace-us-east-1a-1=studio-nine",
            "studio-nine-workspace-us-east-1a-3=studio-nine",
            "studio-nine-workspace-us-east-1b-2=studio-nine",
        ]);
    });

    it("refused: forwarding and SSH documents, SendCommand, another vendor's instance, another account or region, another user's session", () => {
        const V = "role/enclave-studio-nine-vendor";
        for (const d of FORWARDING_SESSION_DOCUMENTS) expect([d, row(report, V, "ssm:StartSession", OWN, d).decision]).toEqual([d, "ExplicitlyDenied"]);
        expect(row(report, V, "ssm:StartSession", OWN, "SSM-SessionManagerRunShell").decidedBy).toBe("identity:DenySessionsElsewhere");
        expect(row(report, V, "ssm:StartSession", OWN, "enclave-other-nine-session").decidedBy).toBe("identity:DenySessionsElsewhere");
        expect(row(report, V, "ssm:SendCommand", OWN, "AWS-RunShellScript").decidedBy).toBe("identity:DenySendCommand");
        const mine = "enclave-studio-nine-session";
        expect(row(report, V, "ssm:StartSession", "another vendor's instance (enclave:vendor=other-nine)", mine).decision).toBe("ImplicitlyDenied");
        expect(row(report, V, "ssm:StartSession", "an untagged instance in the account", mine).decision).toBe("ImplicitlyDenied");
        expect(row(report, V, "ssm:StartSession", "an instance tagged enclave:vendor=studio-nine in another account", mine).decidedBy).toBe(
            "identity:DenySessionsElsewhere",
        );
        expect(row(report, V, "ssm:StartSession", "an instance tagged enclave:vendor=studio-nine in us-west-2", mine).decidedBy).toBe(
            "identity:DenySessionsElsewhere",
        );
        expect(row(report, V, "ssm:ResumeSession", "another user's session", "-").decision).toBe("ImplicitlyDenied");
        // The session user holds the workload role through IMDS: it can open no session, resume none, send no command.
        const workload = report.sessions!.filter((s) => s.principalLabel === "role/enclave-studio-nine-workload");
        // 5 targets x 9 documents (its own, other-nine's, the account default, 6 AWS ones), SendCommand, 4 resume/end.
        expect(workload.length).toBe(5 * 9 + 1 + 4);
        expect(workload.every((s) => s.decision === "ExplicitlyDenied" && s.decidedBy === "identity:DenyActionsBeyondEnclave")).toBe(true);
    });

    it("after the seal nothing is allowed, decided by the seal's deny", async () => {
        const r = await accessReport(sealedWorld, "studio-nine");
        expect(r.sessions!.filter((s) => s.decision === "Allowed")).toEqual([]);
        expect(row(r, "role/enclave-studio-nine-vendor", "ssm:StartSession", OWN, "enclave-studio-nine-session").decidedBy).toBe("identity:SealDenyAll");
        expect(row(r, "role/enclave-studio-nine-vendor", "ssm:ResumeSession", "its own session", "-").decidedBy).toBe("identity:SealDenyAll");
    });

    it("Markdown shows allowed rows with their terms, refused ones grouped; JSON carries every row; acme has none", async () => {
        const md = renderAccessMarkdown(report);
        expect(md).toContain("## Sessions (Session Manager)");
        expect(md).toContain(
            `| role/enclave-studio-nine-vendor | ssm:StartSession | ${OWN} | enclave-studio-nine-session | shell | ${SHELL_TERMS.join("; ")} | identity:StartSessionWithEnclaveDocument |`,
        );
        expect(md).toContain(
            `| role/enclave-studio-nine-vendor | ssm:StartSession | another vendor's instance (enclave:vendor=other-nine) | any (all 9 tried) | ImplicitlyDenied | identity |`,
        );
        expect(md).toContain(
            "| role/enclave-studio-nine-vendor | ssm:SendCommand | " + OWN + " | AWS-RunShellScript | ExplicitlyDenied | identity:DenySendCommand |",
        );
        expect(report.mermaid).toContain('vr -- "StartSession, enclave-studio-nine-session: shell" --> ws');
        const json = await runCli(["access", "--spec", path.join(FIXTURES_DIR, "workspace", "studio-nine.yaml"), "--json"]);
        expect(json.code).toBe(0);
        const parsed = JSON.parse(json.out) as AccessReport;
        expect(parsed.sessions!.filter((s) => s.decision === "Allowed").map((s) => s.action)).toEqual([
            "ssm:StartSession",
            "ssm:ResumeSession",
            "ssm:TerminateSession",
        ]);
        const plain = await accessReport(worldFromPlans(await planVendor(vendorFixture("acme-labeling"), security)), "acme-labeling");
        expect(plain.sessions).toBeUndefined();
    }, 60_000);
});

describe("the access diff shows a change to the session path as a widening (simulated, not compared field by field)", () => {
    // The vendor role's inline policy and the permissions boundary both carry the grant: widened in both, as a change
    // to iam/session.ts would.
    const VENDOR_POLICIES = (p: Plan) => p.resources.filter((r) => r.type === TOKEN.rolePolicy || r.type === TOKEN.managedPolicy);
    const editPolicies = (p: Plan, edit: (st: Record<string, unknown>) => void) => {
        let edited = 0;
        for (const r of VENDOR_POLICIES(p)) {
            const doc = JSON.parse(r.inputs.policy as string);
            for (const st of doc.Statement) {
                if (st.Sid === "StartSessionOnEnclaveInstances") {
                    edit(st);
                    edited++;
                }
            }
            r.inputs.policy = JSON.stringify(doc);
        }
        if (edited !== 2) throw new Error(`${edited} StartSessionOnEnclaveInstances statements edited, not 2 (policy and boundary)`);
    };
    const reportOf = (p: Plan) => accessReport(worldFromPlans(p, securityPlan), "studio-nine");
    const sessionFacts = (facts: AccessFact[]) => facts.filter((f) => f.kind === "session").map((f) => `${f.action} | ${f.resource} | ${f.path}`);
    let base: AccessReport;
    beforeAll(async () => {
        base = await reportOf(plan);
    });

    it("the enclave's document turned into port forwarding: gained, widened", async () => {
        const head = structuredClone(plan);
        const d = named(head, "studio-nine-workspace-session-document");
        const c = JSON.parse(d.inputs.content as string);
        c.sessionType = "Port";
        d.inputs.content = JSON.stringify(c);
        const diff = diffReports(base, await reportOf(head), { base: "base", head: "head" });
        expect(diff.widened).toBe(true);
        expect(sessionFacts(diff.gained)).toEqual([
            "ssm:StartSession | this enclave's instances (enclave:vendor=studio-nine) | enclave-studio-nine-session (port forwarding)",
        ]);
        // A forwarded port has no transcript: the terms it keeps are the run-as user and the timeouts.
        expect(diff.gained.find((f) => f.kind === "session")!.conditions).toEqual(["runs as enclave", "idle timeout 20 min", "at most 60 min"]);
        expect(sessionFacts(diff.lost)).toEqual([
            "ssm:StartSession | this enclave's instances (enclave:vendor=studio-nine) | enclave-studio-nine-session (shell)",
        ]);
    }, 60_000);

    it("the start-session grant widened to every instance: untagged and other vendors' instances gained, widened; the CLI exits 3", async () => {
        const head = structuredClone(plan);
        editPolicies(head, (st) => {
            st.Resource = "*";
            delete st.Condition;
        });
        const diff = diffReports(base, await reportOf(head), { base: "base", head: "head" });
        expect(diff.widened).toBe(true);
        expect(sessionFacts(diff.gained)).toEqual([
            "ssm:StartSession | another vendor's instance (enclave:vendor=another-vendor) | enclave-studio-nine-session (shell)",
            "ssm:StartSession | an untagged instance in the account | enclave-studio-nine-session (shell)",
        ]);
        expect(diff.lost).toEqual([]);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "enclave-workspace-diff-"));
        try {
            const baseFile = path.join(dir, "base.json");
            const headFile = path.join(dir, "head.json");
            fs.writeFileSync(baseFile, JSON.stringify(plan));
            fs.writeFileSync(headFile, JSON.stringify(head));
            const r = await runCli(["diff", "--base-plan", baseFile, "--head-plan", headFile]);
            expect(r.code).toBe(3);
            expect(r.out).toContain("**Access WIDENED**");
            expect(r.out).toContain(
                "| role/enclave-studio-nine-vendor | session | ssm:StartSession | an untagged instance in the account | enclave-studio-nine-session (shell) |",
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }, 120_000);

    it("a spec that adds a workspace widens (fixture specs, CLI); the same spec twice does not", async () => {
        const dir = path.join(FIXTURES_DIR, "workspace");
        const added = await runCli(["diff", "--base-spec", path.join(dir, "studio-nine-no-workspace.yaml"), "--head-spec", path.join(dir, "studio-nine.yaml")]);
        expect(added.code).toBe(3);
        expect(added.out).toContain("| role/enclave-studio-nine-vendor | session | ssm:StartSession | this enclave's instances (enclave:vendor=studio-nine) |");
        const same = await runCli(["diff", "--base-spec", path.join(dir, "studio-nine.yaml"), "--head-spec", path.join(dir, "studio-nine.yaml")]);
        expect(same.code).toBe(0);
        expect(same.out).toContain(": 0 gained, 0 lost");
    }, 180_000);
});

describe("the seal covers the workspace with the existing catalogue", () => {
    it("sealing a workspace enclave changes only catalogued kinds: the session endpoints' policies under endpointPolicy, no instance or document", async () => {
        const { diffPlans } = await import("../plan/diff.js");
        const { sealEntryOf } = await import("../contract/seal.js");
        const diff = diffPlans(plan, sealed);
        expect(diff.deleted).toEqual([]);
        for (const c of diff.updated) expect([c.name, sealEntryOf(c.type)?.kind ?? "NO CATALOGUE ENTRY"]).toEqual([c.name, expect.any(String)]);
        const updated = diff.updated.map((c) => c.name);
        for (const svc of ["ssm", "ssmmessages", "ec2messages"]) expect(updated).toContain(`studio-nine-network-${svc}-endpoint`);
        expect(updated.filter((n) => n.includes("workspace"))).toEqual([]);
        for (const svc of ["ssm", "ssmmessages", "ec2messages"]) {
            const doc = JSON.parse(named(sealed, `studio-nine-network-${svc}-endpoint`).inputs.policy as string);
            expect(doc.Statement.find((s: { Sid: string }) => s.Sid === "SealDenyVendor")).toMatchObject({ Effect: "Deny", Action: `${svc}:*` });
        }
    });
});
