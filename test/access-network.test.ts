// The access diff's network comparison: admitted source addresses are compared as sets of ranges, whatever their
// prefix lengths. Specs are fixtures under test/fixtures/review (one vendor, one read-write dataset; only the data
// path and the egress ranges differ). Runs in-process through cli/main.
// What this cannot prove: that AWS sees the vendor's traffic arrive from those addresses (network reachability), or
// ranges named only in IPv6 (the spec schema admits IPv4 egress ranges only).
import * as path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./support/cli";
import { accessReportFor, type AccessReport } from "../review/access";
import { diffReports, type AccessDiff } from "../review/accessDiff";
import { reportOfPlan } from "../review/sources";
import { loadSelectedVendor } from "../config/select";
import { planSecurity, planVendor } from "../plan/stacks";
import type { Plan } from "../plan/types";
import { complement, describeSet, partition, setOf, subtract, toCidrs } from "../review/addresses";

const F = path.resolve(__dirname, "fixtures", "review");
const spec = (name: string) => path.join(F, `${name}.yaml`);

afterEach(() => {
    process.exitCode = 0;
});

async function diff(base: string, head: string): Promise<{ code: number; d: AccessDiff }> {
    const r = await runCli(["diff", "--base-spec", spec(base), "--head-spec", spec(head), "--json"]);
    return { code: r.code, d: JSON.parse(r.out) as AccessDiff };
}
const rows = (facts: AccessDiff["gained"]) => facts.map((f) => `${f.principal} | ${f.action} | ${f.resource} | ${f.path} | ${f.conditions.join(";")}`).sort();
const vendorS3 = (from: string) => [
    `role/enclave-netlab-vendor | s3:GetObject | dataset uploads | internet from ${from} | TLS only`,
    `role/enclave-netlab-vendor | s3:ListBucket | dataset uploads | internet from ${from} | TLS only`,
    `role/enclave-netlab-vendor | s3:PutObject | dataset uploads | internet from ${from} | TLS only;SSE-KMS with the bucket's key`,
];

describe("address sets (unit)", () => {
    it("cuts the address space by membership, so every /32 and /31 gets a probe inside it", () => {
        const parts = partition(["52.0.0.0/8", "52.1.2.3/32", "52.1.2.4/31"]);
        expect(parts.map((p) => [p.members.join(","), toCidrs(p.set).length])).toEqual([
            ["52.0.0.0/8", 24],
            ["52.0.0.0/8,52.1.2.3/32", 1],
            ["52.0.0.0/8,52.1.2.4/31", 1],
            ["", 8],
        ]);
        expect(toCidrs(parts[1].set)).toEqual(["52.1.2.3/32"]);
        expect(toCidrs(parts[2].set)).toEqual(["52.1.2.4/31"]);
    });

    it("subtracts and describes sets exactly", () => {
        expect(toCidrs(subtract(setOf(["52.95.110.0/23"]), setOf(["52.95.110.0/24"])))).toEqual(["52.95.111.0/24"]);
        expect(toCidrs(subtract(setOf(["52.95.110.0/24"]), setOf(["52.95.110.0/25", "52.95.110.200/32"])))).toEqual([
            "52.95.110.128/26",
            "52.95.110.192/29",
            "52.95.110.201/32",
            "52.95.110.202/31",
            "52.95.110.204/30",
            "52.95.110.208/28",
            "52.95.110.224/27",
        ]);
        expect(describeSet(complement(setOf(["198.51.100.0/24"])))).toBe("any address except 198.51.100.0/24");
        expect(describeSet(setOf(["52.95.110.1/32", "52.95.110.2/32"]))).toBe("52.95.110.1/32, 52.95.110.2/32");
    });
});

describe("enclave diff over source addresses (fixtures)", () => {
    it("endpoint -> allow-list with one /32: exit 3, the /32 gained for every dataset action", async () => {
        const { code, d } = await diff("endpoint", "one-ip");
        expect(code).toBe(3);
        expect(d.widened).toBe(true);
        expect(rows(d.gained)).toEqual(vendorS3("52.95.110.1/32"));
        expect(d.lost).toEqual([]);
    });

    it("adding a /32 beside a /32: exit 3, only the new address gained", async () => {
        const { code, d } = await diff("one-ip", "two-ips");
        expect(code).toBe(3);
        expect(rows(d.gained)).toEqual(vendorS3("52.95.110.2/32"));
        expect(d.lost).toEqual([]);
    });

    it("widening a /24 to a /23: exit 3, the other half gained", async () => {
        const { code, d } = await diff("range-24", "range-23");
        expect(code).toBe(3);
        expect(rows(d.gained)).toEqual(vendorS3("52.95.111.0/24"));
        expect(d.lost).toEqual([]);
    });

    it("narrowing a /23 to a /24: exit 0, the other half lost", async () => {
        const { code, d } = await diff("range-23", "range-24");
        expect(code).toBe(0);
        expect(d.gained).toEqual([]);
        expect(rows(d.lost)).toEqual(vendorS3("52.95.111.0/24"));
    });

    it("no change, and a /32 added inside an allowed /24 (no new address): exit 0, nothing gained or lost", async () => {
        for (const [base, head] of [
            ["range-24", "range-24"],
            ["range-24", "range-24-and-ip-inside"],
        ]) {
            const { code, d } = await diff(base, head);
            expect({ base, head, code, gained: d.gained, lost: d.lost }).toEqual({ base, head, code: 0, gained: [], lost: [] });
        }
    });
});

describe("access report probes", () => {
    let report: AccessReport;
    beforeAll(async () => {
        report = await accessReportFor(undefined, { spec: spec("doc-range"), securitySpec: path.join(F, "security.yaml") });
    });

    it("an allow-listed range holding the documentation address is probed inside, and the 'other IP' probe lies outside it", () => {
        const internet = report.grants.filter((g) => g.addresses?.route === "internet" && g.principalLabel === "role/enclave-netlab-vendor");
        expect([...new Set(internet.map((g) => g.path))]).toEqual(["vendor egress 203.0.113.0/25"]);
        expect(internet.map((g) => g.addresses)).toEqual(internet.map(() => ({ route: "internet", cidrs: ["203.0.113.0/25"], complement: false })));
        // Nobody but the operators reaches a dataset from an address outside the allow-list.
        expect(report.grants.filter((g) => g.path === "internet (other IP)" && g.resourceLabel.startsWith("dataset"))).toEqual([]);
        const denied = report.denials.filter(
            (d) => d.path === "internet (other IP)" && d.principalLabel === "role/enclave-netlab-vendor" && d.resourceLabel === "dataset uploads",
        );
        // The first explicit deny is reported: the identity policy's network perimeter for granted actions, its
        // confinement for every other action.
        expect([...new Set(denied.map((d) => d.by))].sort()).toEqual(["identity:DenyActionsBeyondEnclave", "identity:DenyDataOutsideNetworkPerimeter"]);
    });
});

describe("actions beyond the fixed catalogue", () => {
    // The shape of a code change to the dataset grants: every layer built from them names one more action.
    const OBJECTS = "arn:aws:s3:::netlab--uploads--111122223333/*";
    const edit = (p: Plan, name: string, change: (d: { Statement: Record<string, unknown>[] }) => void) => {
        const r = p.resources.find((x) => x.name === name)!;
        const d = JSON.parse(r.inputs.policy as string);
        change(d);
        r.inputs.policy = JSON.stringify(d);
        r.outputs.policy = r.inputs.policy;
    };
    // A grant added to the builders also widens the identity policy's confinement, which is derived from its grants.
    const allowTagging = (d: { Statement: Record<string, unknown>[] }) => {
        d.Statement.push({ Sid: "Tagging", Effect: "Allow", Action: "s3:PutObjectTagging", Resource: OBJECTS });
        const notAction = d.Statement.find((x) => x.Sid === "DenyActionsBeyondEnclave");
        if (notAction) notAction.NotAction = [...(notAction.NotAction as string[]), "s3:PutObjectTagging"];
        const onResources = d.Statement.find((x) => x.Sid === "DenyResourcesBeyondEnclave");
        if (onResources) onResources.Action = [...(onResources.Action as string[]), "s3:PutObjectTagging"];
    };

    it("granting s3:PutObjectTagging in every layer is a gained admin action; in identity and boundary alone it is not (the bucket and endpoint policies still deny)", async () => {
        const loaded = loadSelectedVendor({ spec: spec("endpoint"), securitySpec: path.join(F, "security.yaml") });
        const base = await planVendor(loaded.spec, loaded.security);
        const security = await planSecurity(loaded.security);
        const baseReport = await reportOfPlan(base, security);

        const identityOnly = structuredClone(base);
        for (const name of ["netlab-access-vendor-policy", "netlab-identity-boundary"]) edit(identityOnly, name, allowTagging);
        expect(diffReports(baseReport, await reportOfPlan(identityOnly, security), { base: "base", head: "head" })).toMatchObject({
            widened: false,
            gained: [],
            lost: [],
        });

        const everyLayer = structuredClone(identityOnly);
        edit(everyLayer, "netlab-network-s3-endpoint", (d) =>
            d.Statement.push({ Sid: "Tagging", Effect: "Allow", Principal: "*", Action: "s3:PutObjectTagging", Resource: OBJECTS }),
        );
        edit(everyLayer, "netlab-uploads-policy", (d) => {
            const st = d.Statement.find((x) => x.Sid === "DenyVendorBeyondDatasetAccess")!;
            st.NotAction = [...(st.NotAction as string[]), "s3:PutObjectTagging"];
        });
        const d = diffReports(baseReport, await reportOfPlan(everyLayer, security), { base: "base", head: "head" });
        expect(d.widened).toBe(true);
        expect(rows(d.gained)).toEqual(["role/enclave-netlab-vendor | s3:PutObjectTagging | dataset uploads | enclave S3 endpoint | TLS only"]);
        expect(d.gained.map((f) => f.class)).toEqual(["admin"]);
    });
});
