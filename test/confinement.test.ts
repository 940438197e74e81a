// A vendor-side role is confined by explicit Denies in its own identity policy, derived from its grants. The permissions
// boundary alone does not confine it: a same-account resource policy that grants Principal "*" (an organization-wide
// share, a secret open to the account) reaches a role session past the boundary's implicit deny. Simulated with
// iam-simulate on the fixture plans. What this cannot prove: which such resources exist in a real lab account, or
// that AWS evaluates the documents exactly as the simulator does.
import { beforeAll, describe, expect, it } from "vitest";
import type { PolicyDocument } from "../contract/policy";
import { parsePolicyDocument } from "../iam/document";
import { simulate, vendorFacts, worldFromPlans, type World } from "../review/simulate";
import { ACME, EVALCORP, fixturePlan, LAB_ACCOUNT, securityFixturePlan } from "./support/fixtures";

let world: World;
beforeAll(async () => {
    world = worldFromPlans(await securityFixturePlan(), await fixturePlan(ACME), await fixturePlan(EVALCORP));
});

const LAB_BUCKET = "arn:aws:s3:::lab-shared-training-data";
const SECRET = `arn:aws:secretsmanager:us-east-1:${LAB_ACCOUNT}:secret:lab-api-token-AbCdEf`;
const orgShare: PolicyDocument = {
    Version: "2012-10-17",
    Statement: [
        {
            Sid: "OrgRead",
            Effect: "Allow",
            Principal: "*",
            Action: ["s3:GetObject", "s3:ListBucket"],
            Resource: [LAB_BUCKET, `${LAB_BUCKET}/*`],
            Condition: { StringEquals: { "aws:PrincipalOrgID": "o-lab0000001" } },
        },
    ],
};
const accountSecret: PolicyDocument = {
    Version: "2012-10-17",
    Statement: [
        {
            Sid: "AccountRead",
            Effect: "Allow",
            Principal: "*",
            Action: "secretsmanager:GetSecretValue",
            Resource: "*",
            Condition: { StringEquals: { "aws:PrincipalAccount": LAB_ACCOUNT } },
        },
    ],
};
const internet = { via: "internet" as const, sourceIp: "192.0.2.77" };

describe("vendor-side roles are confined to the enclave by their own identity policy", () => {
    const cases: { what: string; action: string; resource: string; policy: PolicyDocument; context: Record<string, string> }[] = [
        {
            what: "a lab bucket shared with the organization",
            action: "s3:GetObject",
            resource: `${LAB_BUCKET}/prompts.jsonl`,
            policy: orgShare,
            context: { "aws:PrincipalOrgID": "o-lab0000001" },
        },
        { what: "a secret open to the whole account", action: "secretsmanager:GetSecretValue", resource: SECRET, policy: accountSecret, context: {} },
    ];

    for (const c of cases) {
        it(`${c.what}: denied to the vendor and workload roles by the identity policy's own Deny`, async () => {
            for (const id of [ACME, EVALCORP]) {
                const v = vendorFacts(world, id);
                for (const principal of [v.vendorRoleArn, v.workloadRoleArn]) {
                    const req = {
                        principal,
                        action: c.action,
                        resource: c.resource,
                        resourceAccount: LAB_ACCOUNT,
                        resourcePolicy: c.policy,
                        network: internet,
                        context: c.context,
                    };
                    const r = await simulate(world, req, { chainKms: false });
                    expect({ principal, decision: r.decision, layer: r.decidedBy.layer, sid: r.decidedBy.sid }).toEqual({
                        principal,
                        decision: "ExplicitlyDenied",
                        layer: "identity",
                        sid: c.action.startsWith("s3:") ? "DenyResourcesBeyondEnclave" : "DenyActionsBeyondEnclave",
                    });
                }
            }
        });
    }

    it("control: without the two confinement Denies the same grant reaches the session (the boundary does not stop it)", async () => {
        const v = vendorFacts(world, ACME);
        const role = world.roles.get(v.vendorRoleArn)!;
        const unconfined = role.identity.map((i) => ({
            name: i.name,
            policy: {
                ...i.policy,
                Statement: i.policy.Statement.filter((s) => !["DenyActionsBeyondEnclave", "DenyResourcesBeyondEnclave"].includes(s.Sid ?? "")),
            },
        }));
        for (const c of cases) {
            const r = await simulate(
                world,
                {
                    principal: v.vendorRoleArn,
                    action: c.action,
                    resource: c.resource,
                    resourceAccount: LAB_ACCOUNT,
                    resourcePolicy: c.policy,
                    network: internet,
                    context: c.context,
                    identityPolicies: unconfined,
                },
                { chainKms: false },
            );
            expect({ what: c.what, decision: r.decision }).toEqual({ what: c.what, decision: "Allowed" });
        }
    });

    it("the Denies are derived from the grants: exactly the granted actions, on exactly the granted resources", async () => {
        const plan = await fixturePlan(ACME);
        const doc = parsePolicyDocument(plan.resources.find((r) => r.name === `${ACME}-access-vendor-policy`)!.inputs.policy)!;
        const allows = doc.Statement.filter((s) => s.Effect === "Allow");
        const list = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? (v as string[]) : [v as string]);
        const actions = [...new Set(allows.flatMap((s) => list(s.Action)))].sort();
        const resources = [...new Set(allows.flatMap((s) => list(s.Resource)))].sort();
        expect(doc.Statement.find((s) => s.Sid === "DenyActionsBeyondEnclave")).toEqual({
            Sid: "DenyActionsBeyondEnclave",
            Effect: "Deny",
            NotAction: actions,
            Resource: "*",
        });
        expect(doc.Statement.find((s) => s.Sid === "DenyResourcesBeyondEnclave")).toEqual({
            Sid: "DenyResourcesBeyondEnclave",
            Effect: "Deny",
            Action: actions,
            NotResource: resources,
        });
        expect(actions).toEqual(["kms:Decrypt", "kms:GenerateDataKey", "s3:GetObject", "s3:ListBucket", "s3:PutObject"]);
    });
});
