import { beforeAll, describe, expect, it } from "vitest";
import { checkPlan } from "../guardrails/offline";
import { planOrganization, planVendor } from "../plan/stacks";
import type { Plan, PlanResource } from "../plan/types";
import { ACME, EVALCORP, securityFixture } from "./support/fixtures";
import { accountModeFixture, ORG_SPEC } from "./support/orgFacts";

// `enclave check` on the organization stack and on an account-mode vendor: the offline checker runs every guardrail
// on the plan; planted weakenings of the SCPs and RCPs must each be reported by organization-perimeter. What this
// cannot prove: that the list of planted weakenings is every weakening there is.

let base: Plan;
beforeAll(async () => {
    base = await planOrganization(ORG_SPEC, [accountModeFixture(ACME, "210987654321"), accountModeFixture(EVALCORP, "210987654322")]);
}, 60_000);

const policy = (plan: Plan, name: string): PlanResource => plan.resources.find((r) => r.type === "aws:organizations/policy:Policy" && r.inputs.name === name)!;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a planted weakening edits the rendered document freely, as an attacker would
function edit(name: string, change: (doc: { Statement: Record<string, any>[] }) => void): Plan {
    const plan = structuredClone(base);
    const p = policy(plan, name);
    const doc = JSON.parse(String(p.inputs.content));
    change(doc);
    // The checker reads a resource's outputs (the mock copies the inputs there): plant in both.
    p.inputs.content = JSON.stringify(doc);
    if (p.outputs) p.outputs.content = p.inputs.content;
    return plan;
}
const orgFindings = async (plan: Plan) => (await checkPlan(plan)).filter((v) => v.policy === "organization-perimeter").map((v) => v.message);

describe("enclave check: organization stack", () => {
    it("the planned organization stack passes every guardrail", async () => {
        expect(await checkPlan(base)).toEqual([]);
    });

    it("an account-mode vendor stack passes every guardrail", async () => {
        expect(await checkPlan(await planVendor(accountModeFixture(ACME, "210987654321"), securityFixture()))).toEqual([]);
    });

    const planted: [string, () => Plan, RegExp][] = [
        [
            "LeaveOrganization deny dropped",
            () => edit("enclave-vendors-baseline", (d) => (d.Statement = d.Statement.filter((s) => s.Sid !== "DenyLeaveOrganization"))),
            /no SCP denies organizations:LeaveOrganization/,
        ],
        [
            "internet gateway deny made conditional",
            () =>
                edit(
                    "enclave-vendors-baseline",
                    (d) => (d.Statement.find((s) => s.Sid === "DenyNetworkPaths")!.Condition = { StringNotEquals: { "aws:PrincipalTag/team": "net" } }),
                ),
            /no SCP denies ec2:CreateInternetGateway/,
        ],
        [
            "quarantine exempts every role",
            () => edit("enclave-quarantine", (d) => (d.Statement[0].Condition.ArnNotLike["aws:PrincipalArn"] = ["arn:aws:iam::*:role/*"])),
            /exempts arn:aws:iam::\*:role\/\*: every role escapes the deny/,
        ],
        [
            "quarantine exempts a second role",
            () => edit("enclave-quarantine", (d) => d.Statement[0].Condition.ArnNotLike["aws:PrincipalArn"].push("arn:aws:iam::*:role/enclave-deployer")),
            /no quarantine SCP denies every action to all but one role/,
        ],
        [
            "logging deny exempts every enclave role",
            () => edit("enclave-vendors-logging", (d) => d.Statement[0].Condition.ArnNotLike["aws:PrincipalArn"].push("arn:aws:iam::*:role/enclave-*")),
            /exempts arn:aws:iam::\*:role\/enclave-\*/,
        ],
        [
            "data perimeter loses its org condition",
            () => edit("enclave-data-perimeter", (d) => delete d.Statement.find((s) => s.Sid === "DataOnlyToOrgPrincipals")!.Condition.StringNotEqualsIfExists),
            /no RCP denies S3 and KMS to principals outside the organization/,
        ],
        [
            "confused-deputy statement dropped",
            () => edit("enclave-data-perimeter", (d) => (d.Statement = d.Statement.filter((s) => s.Sid !== "ServicesOnlyForThisOrg"))),
            /confused-deputy protection is missing/,
        ],
        [
            "an Allow planted in an RCP",
            () => edit("enclave-data-perimeter", (d) => d.Statement.push({ Sid: "Open", Effect: "Allow", Principal: "*", Action: "s3:*", Resource: "*" })),
            /"Open" is not a Deny/,
        ],
        [
            "an SCP over 5,120 characters",
            () =>
                edit("enclave-vendors-baseline", (d) =>
                    d.Statement.push({ Sid: "Padding", Effect: "Deny", Action: Array.from({ length: 300 }, (_, i) => `ec2:Padding${i}`), Resource: "*" }),
                ),
            /enclave-vendors-baseline is \d+ characters; Organizations refuses a policy over 5120/,
        ],
    ];
    it.each(planted)("catches: %s", async (_what, make, expected) => {
        const found = await orgFindings(make());
        expect(
            found.some((m) => expected.test(m)),
            found.join("\n"),
        ).toBe(true);
    });

    it("catches a fifth SCP of ours on the Vendors OU", async () => {
        const plan = structuredClone(base);
        const a = plan.resources.find((r) => r.name === "enclave-vendors-baseline--vendors-ou")!;
        for (const n of [1, 2]) plan.resources.push({ ...structuredClone(a), name: `enclave-vendors-baseline--extra${n}`, urn: `${a.urn}${n}` });
        expect(await orgFindings(plan)).toContainEqual(
            expect.stringMatching(/has 5 SERVICE_CONTROL_POLICY of ours attached; with the AWS-managed full-access policy that is over the limit of five/),
        );
    });
});
