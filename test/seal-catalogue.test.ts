import * as fs from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { SEAL_CATALOGUE, SEAL_FIELDS, sealEntryOf, sealOnlyResources, type SealEntry } from "../contract/seal";
import { FIXTURE_VENDOR_IDS, SEALED_AT, securityFixture, vendorFixture } from "./support/fixtures";
import type { VendorSpec } from "../config/schema";
import { SEAL_CHECKS } from "../guardrails/rules/lifecycle";
import { checkPlan } from "../guardrails/offline";
import { parsePolicyDocument } from "../iam/document";
import {
    dataBucketPolicy,
    interfaceEndpointPolicy,
    s3EndpointPolicy,
    sealRolePolicy,
    vendorKeyPolicy,
    vendorTrustPolicy,
    workloadTrustPolicy,
} from "../iam/vendor";
import { diffPlans, type PlanDiff } from "../plan/diff";
import { planVendor } from "../plan/stacks";
import type { Plan } from "../plan/types";
import { observe, SEAL_READ_METHODS, SEAL_VERIFIERS, sealFindings, targetsFor, unsealFindings, type EnclaveTargets, type Observed } from "../runbook/verify";
import type { AwsReads, PolicyJson, PolicyStatementJson } from "../runbook/types";
import { RUNBOOK, withSealLists } from "../scripts/runbook-seal-lists";
import { makeFake, removeFakes } from "./support/runbookFake";
import { afterAll } from "vitest";

// The seal catalogue (contract/seal.ts) closes the loop between what the program changes when sealed, what the runbook
// verifies and what the CrossGuard pack checks. These tests prove the offline plans, the verify logic and the pack
// agree with the catalogue. They cannot prove that AWS enforces the documents, nor that the real AwsReads (the AWS
// SDK) reads what the fake returns.

afterAll(removeFakes);

const security = securityFixture();
const urnName = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

interface Pair {
    spec: VendorSpec;
    unsealed: Plan;
    sealed: Plan;
    diff: PlanDiff;
}
const pairs: Record<string, Pair> = {};

beforeAll(async () => {
    // One at a time: the offline engine refuses concurrent plans.
    for (const id of FIXTURE_VENDOR_IDS) {
        const spec = vendorFixture(id);
        const unsealed = await planVendor(spec, security);
        const sealed = await planVendor({ ...spec, sealed: true, sealedAt: SEALED_AT }, security);
        pairs[id] = { spec, unsealed, sealed, diff: diffPlans(unsealed, sealed) };
    }
});

describe("the seal catalogue covers every resource the seal changes, and every entry is verified and checked", () => {
    it.each(FIXTURE_VENDOR_IDS)("%s: every resource type the seal changes or adds has a catalogue entry, with exactly its fields", (id) => {
        const { diff, sealed } = pairs[id];
        expect(diff.deleted).toEqual([]);
        for (const c of diff.updated) {
            const entry = sealEntryOf(c.type);
            expect([c.name, c.type, entry?.kind ?? "NO CATALOGUE ENTRY"]).toEqual([c.name, c.type, expect.any(String)]);
            expect([c.name, entry!.lifecycle, c.fields.map((f) => f.field)]).toEqual([c.name, "in-place", [...entry!.fields]]);
        }
        const added = diff.created.map((c) => sealed.resources.find((r) => r.urn === c.urn)!);
        for (const r of added) expect([r.name, sealEntryOf(r.type)?.lifecycle ?? "NO CATALOGUE ENTRY"]).toEqual([r.name, "sealed-only"]);
        expect(added.map((r) => ({ type: r.type, name: urnName(r.urn) }))).toEqual(sealOnlyResources(id));
    });

    it.each(FIXTURE_VENDOR_IDS)("%s: every catalogue entry is touched by this seal (no stale entry)", (id) => {
        const touched = new Set([
            ...pairs[id].diff.updated.map((c) => c.type),
            ...pairs[id].diff.created.map((c) => pairs[id].sealed.resources.find((r) => r.urn === c.urn)!.type),
        ]);
        for (const e of SEAL_CATALOGUE) expect([e.kind, e.types.some((t) => touched.has(t))]).toEqual([e.kind, true]);
    });

    it("every entry has verify reads that are AwsReads methods, a verify-seal and verify-unseal, and a pack check", async () => {
        const fake = makeFake({ vendor: "evalcorp" });
        const methods = new Set(Object.keys(fake.deps.aws));
        for (const e of SEAL_CATALOGUE) {
            expect([e.kind, e.reads.length > 0]).toEqual([e.kind, true]);
            for (const r of e.reads) expect([e.kind, r, SEAL_READ_METHODS[r], methods.has(r)]).toEqual([e.kind, r, r, true]);
            expect([e.kind, typeof SEAL_VERIFIERS[e.kind]?.seal, typeof SEAL_VERIFIERS[e.kind]?.unseal]).toEqual([e.kind, "function", "function"]);
            expect([e.kind, typeof SEAL_CHECKS[e.packCheck]]).toEqual([e.kind, "function"]);
        }
        // observe() makes every read the catalogue names.
        const called = new Set<string>();
        const recording = Object.fromEntries(
            [...methods].map((m) => [
                m,
                (...a: unknown[]) => (called.add(m), (fake.deps.aws as unknown as Record<string, (...x: unknown[]) => unknown>)[m](...a)),
            ]),
        ) as unknown as AwsReads;
        await observe(
            recording,
            targetsFor(pairs.evalcorp.spec, {
                keyArn: { value: "k", secret: false },
                s3EndpointId: { value: "e", secret: false },
                vpcId: { value: "v", secret: false },
            }),
        );
        for (const e of SEAL_CATALOGUE) for (const r of e.reads) expect([e.kind, r, called.has(r)]).toEqual([e.kind, r, true]);
    });

    it.each(SEAL_CATALOGUE.map((e) => [e.kind, e] as const))("the pack notices a seal whose %s part is left unsealed", async (_kind, entry: SealEntry) => {
        const { unsealed, sealed } = pairs.evalcorp;
        const before = new Map(unsealed.resources.map((r) => [r.urn, r]));
        // The sealed plan with this kind's resources as they are unsealed (the seal-only ones absent).
        const half: Plan = {
            ...sealed,
            resources: sealed.resources.flatMap((r) => (entry.types.includes(r.type) ? (before.has(r.urn) ? [before.get(r.urn)!] : []) : [r])),
        };
        const seal = (await checkPlan(half)).filter((v) => v.policy === "seal-cuts-every-path");
        expect([entry.kind, seal.length > 0]).toEqual([entry.kind, true]);
        expect((await checkPlan(sealed)).filter((v) => v.policy === "seal-cuts-every-path")).toEqual([]);
    });

    it("SEAL_FIELDS (the preview guard's list) is the catalogue's, every spelling of each type", () => {
        for (const e of SEAL_CATALOGUE) for (const t of e.types) expect(SEAL_FIELDS[t]).toEqual(e.fields);
        expect(Object.keys(SEAL_FIELDS)).toHaveLength(SEAL_CATALOGUE.flatMap((e) => e.types).length);
    });
});

describe("in the sealed plan, no document the seal changes names a vendor principal or any role as Principal (AWS validates principals on write)", () => {
    it.each(FIXTURE_VENDOR_IDS)("%s", (id) => {
        const { sealed, diff, spec } = pairs[id];
        const touched = new Set([...diff.updated.map((c) => c.urn), ...diff.created.map((c) => c.urn)]);
        const docs = sealed.resources
            .filter((r) => touched.has(r.urn))
            .flatMap((r) =>
                ["policy", "assumeRolePolicy"].filter((k) => typeof r.inputs[k] === "string").map((k) => [r.name, parsePolicyDocument(r.inputs[k])!] as const),
            );
        expect(docs.length).toBeGreaterThan(5);
        for (const [name, doc] of docs) {
            for (const s of doc.Statement) {
                const p = s.Principal as string | { AWS?: string | string[] } | undefined;
                const aws = typeof p === "object" && p ? [p.AWS ?? []].flat() : [];
                for (const a of aws) {
                    expect([name, s.Sid, spec.access.principals.includes(a)]).toEqual([name, s.Sid, false]);
                    expect([name, s.Sid, a]).toEqual([name, s.Sid, expect.not.stringMatching(/:(role|user)\//)]);
                }
            }
        }
    });
});

// ---- verify-seal judges by content ------------------------------------------------------------------------------------

/** What AWS would hand back for the sealed evalcorp enclave, from the builders. */
function sealedWorld(): { t: EnclaveTargets; o: Observed } {
    const spec = { ...pairs.evalcorp.spec, sealed: true, sealedAt: SEALED_AT };
    const t = targetsFor(spec, {
        keyArn: { value: "arn:aws:kms:us-east-1:111122223333:key/k", secret: false },
        s3EndpointId: { value: "vpce-s3", secret: false },
        vpcId: { value: "vpc-1", secret: false },
    });
    const p = {
        ...t.policyInputs,
        sealed: true,
        sealedAt: SEALED_AT,
        externalId: "x",
        deployerRoleArn: security.deployerRoleArn,
        breakGlassRoleArn: security.breakGlassRoleArn,
    };
    const json = (d: unknown) => JSON.parse(JSON.stringify(d)) as PolicyJson;
    const [vendorRole, workloadRole] = t.roles;
    const o: Observed = {
        roles: {
            [vendorRole]: {
                inline: { "enclave-access": { Statement: [] }, "enclave-seal": json(sealRolePolicy(SEALED_AT)) },
                trust: json(vendorTrustPolicy(p)),
            },
            [workloadRole]: {
                inline: { "enclave-access": { Statement: [] }, "enclave-seal": json(sealRolePolicy(SEALED_AT)) },
                trust: json(workloadTrustPolicy(p)),
            },
        },
        keyState: "Disabled",
        keyPolicy: json(vendorKeyPolicy(p)),
        buckets: Object.fromEntries(t.buckets.map((b, i) => [b, json(dataBucketPolicy(p, spec.datasets[i].name))])),
        endpoint: json(s3EndpointPolicy(p)),
        interfaceEndpoints: spec.network.interfaceEndpoints.map((service) => ({
            id: `vpce-${service}`,
            service,
            policy: json(interfaceEndpointPolicy(service, p)),
        })),
        dnsFirewall: [
            {
                id: "rslvr-frg-1",
                rules: [
                    { name: "enclave-evalcorp-allow-aws", action: "BLOCK" },
                    { name: "enclave-evalcorp-block-rest", action: "BLOCK" },
                ],
            },
        ],
    };
    return { t, o };
}
const statementOf = (doc: PolicyJson | null, sid: string) => (doc!.Statement as PolicyStatementJson[]).find((s) => s.Sid === sid)!;

describe("verify-seal fails when a seal statement has the right Sid but other content (builders vs stored documents; not AWS)", () => {
    it("the builders' own sealed documents pass, operator ARNs differing included (no seal statement names them); unseal finds them all", () => {
        const { t, o } = sealedWorld();
        expect(sealFindings(o, t, SEALED_AT)).toEqual([]);
        expect(unsealFindings(o, t).length).toBeGreaterThan(8);
    });

    it('AWS\'s normal forms are no difference: one-element lists as strings, Principal "*" as {"AWS": "*"}, reordered lists, booleans as strings', () => {
        const { t, o } = sealedWorld();
        const bucket = o.buckets[t.buckets[0]]!;
        const s = statementOf(bucket, "SealDenyVendor");
        s.Principal = { AWS: "*" };
        s.Resource = [...(s.Resource as string[])].reverse();
        const trust = statementOf(o.roles[t.roles[0]].trust, "SealDenyAssumeRole");
        trust.Action = [...(trust.Action as string[])].reverse();
        const deny = statementOf(o.roles[t.roles[0]].inline!["enclave-seal"], "SealDenyAll");
        deny.Action = ["*"];
        expect(sealFindings(o, t, SEALED_AT)).toEqual([]);
    });

    it.each([
        [
            "a bucket's SealDenyVendor narrowed to s3:GetObject",
            (o: Observed, t: EnclaveTargets) => (statementOf(o.buckets[t.buckets[0]], "SealDenyVendor").Action = "s3:GetObject"),
            (t: EnclaveTargets) => `bucket ${t.buckets[0]}: policy: SealDenyVendor is not the sealed spec's (Action expected "s3:*", found "s3:GetObject")`,
        ],
        [
            "the revoke's time moved",
            (o: Observed, t: EnclaveTargets) =>
                (statementOf(o.roles[t.roles[1]].inline!["enclave-seal"], "SealRevokeOlderSessions").Condition = {
                    DateLessThan: { "aws:TokenIssueTime": "2026-11-23T11:00:00Z" },
                }),
            (t: EnclaveTargets) =>
                `role ${t.roles[1]} policy enclave-seal: SealRevokeOlderSessions is not the sealed spec's (Condition expected {"DateLessThan":{"aws:TokenIssueTime":"${SEALED_AT}"}}, found {"DateLessThan":{"aws:TokenIssueTime":"2026-11-23T11:00:00Z"}})`,
        ],
        [
            "the deny-all given a condition",
            (o: Observed, t: EnclaveTargets) =>
                (statementOf(o.roles[t.roles[0]].inline!["enclave-seal"], "SealDenyAll").Condition = { Bool: { "aws:ViaAWSService": "false" } }),
            (t: EnclaveTargets) =>
                `role ${t.roles[0]} policy enclave-seal: SealDenyAll is not the sealed spec's (Condition expected null, found {"Bool":{"aws:ViaAWSService":"false"}})`,
        ],
        [
            "the key's SealDenyVendor naming only the vendor role",
            (o: Observed, t: EnclaveTargets) =>
                (statementOf(o.keyPolicy, "SealDenyVendor").Condition = { StringEquals: { "aws:PrincipalArn": t.policyInputs.vendorRoleArn } }),
            (t: EnclaveTargets) =>
                `key ${t.keyId}: key policy: SealDenyVendor is not the sealed spec's (Condition expected {"StringEquals":{"aws:PrincipalArn":${JSON.stringify([t.policyInputs.vendorRoleArn, t.policyInputs.workloadRoleArn])}}}, found {"StringEquals":{"aws:PrincipalArn":"${t.policyInputs.vendorRoleArn}"}})`,
        ],
        [
            "the trust deny narrowed to sts:AssumeRole (TagSession, SetSourceIdentity left open)",
            (o: Observed, t: EnclaveTargets) => (statementOf(o.roles[t.roles[0]].trust, "SealDenyAssumeRole").Action = "sts:AssumeRole"),
            (t: EnclaveTargets) =>
                `role ${t.roles[0]}: trust policy: SealDenyAssumeRole is not the sealed spec's (Action expected ["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"], found "sts:AssumeRole")`,
        ],
        [
            "the sts endpoint's deny leaving out the vendor's own principals",
            (o: Observed, t: EnclaveTargets) =>
                (statementOf(o.interfaceEndpoints.find((e) => e.service === "sts")!.policy, "SealDenyVendor").Condition = {
                    StringEquals: { "aws:PrincipalArn": [t.policyInputs.vendorRoleArn, t.policyInputs.workloadRoleArn] },
                }),
            (t: EnclaveTargets) =>
                `sts interface endpoint vpce-sts: policy: SealDenyVendor is not the sealed spec's (Condition expected {"StringEquals":{"aws:PrincipalArn":${JSON.stringify([...t.policyInputs.principals, t.policyInputs.vendorRoleArn, t.policyInputs.workloadRoleArn])}}}, found {"StringEquals":{"aws:PrincipalArn":${JSON.stringify([t.policyInputs.vendorRoleArn, t.policyInputs.workloadRoleArn])}}})`,
        ],
    ])("%s: exactly one finding naming the difference", (_what, tamper, finding) => {
        const { t, o } = sealedWorld();
        tamper(o, t);
        expect(sealFindings(o, t, SEALED_AT)).toEqual([finding(t)]);
    });
});

describe("RUNBOOK.md's seal lists are the catalogue's (generated by scripts/runbook-seal-lists.ts)", () => {
    it("holds the generated lists between their markers", () => {
        const text = fs.readFileSync(RUNBOOK, "utf8");
        expect(withSealLists(text)).toBe(text);
        for (const e of SEAL_CATALOGUE) expect(text).toContain(e.verifySeal);
    });
});
