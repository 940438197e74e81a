import { describe, expect, it } from "vitest";
import { ASSUMPTIONS, defaultAwsxVpcInventory, estimateInventory, estimatePlan, inventoryFromPlan, type Assumptions } from "../cost/estimate";
import { PRICES, UnknownRegionError } from "../cost/prices";
import { renderCost } from "../cost/render";
import { planVendor } from "../plan/stacks";
import type { Plan, PlanResource } from "../plan/types";
import type { SecuritySpec, VendorSpec } from "../config/schema";
import { ACME, EVALCORP, fixturePlan, securityFixture, vendorFixture } from "./support/fixtures";

const security = securityFixture();
const vendor = vendorFixture;

const res = (type: string, inputs: Record<string, unknown> = {}, outputs: Record<string, unknown> = {}): PlanResource => ({
    urn: `urn:${type}:${Math.random()}`,
    type,
    name: type,
    parent: null,
    custom: true,
    protect: false,
    retainOnDelete: false,
    inputs,
    outputs,
});

/** A hand-built plan: 1 key, 2 interface endpoints in 2 AZs, a gateway endpoint, 2 buckets, a data-only trail. */
function knownPlan(region: string): Plan {
    const dataOnly = { advancedEventSelectors: [{ fieldSelectors: [{ field: "eventCategory", equals: ["Data"] }] }] };
    return {
        project: "vendor-enclaves",
        stack: "known",
        outputs: {},
        resources: [
            res("pulumi:providers:aws", { region }),
            res("aws:kms/key:Key"),
            res("aws:ec2/vpcEndpoint:VpcEndpoint", { vpcEndpointType: "Interface", subnetIds: ["a", "b"] }),
            res("aws:ec2/vpcEndpoint:VpcEndpoint", { vpcEndpointType: "Interface", subnetIds: ["a", "b"] }),
            res("aws:ec2/vpcEndpoint:VpcEndpoint", { vpcEndpointType: "Gateway" }),
            res("aws:ec2/flowLog:FlowLog", { logDestinationType: "s3" }),
            res("aws:s3/bucket:Bucket"),
            res("aws:s3/bucket:Bucket"),
            res("aws:s3/bucketLogging:BucketLogging"),
            res("aws:s3/bucketLogging:BucketLogging"),
            res("aws:cloudtrail/trail:Trail", dataOnly),
            res("aws:cloudwatch/logGroup:LogGroup"),
        ],
    };
}

const inRegion = (spec: VendorSpec, sec: SecuritySpec, region: string): [VendorSpec, SecuritySpec] => [
    { ...spec, account: { ...spec.account, region } },
    { ...sec, account: { ...sec.account, region } },
];

describe("cost estimate", () => {
    it("reports the assumptions it used, the stated ones unless others are given", () => {
        const inv = inventoryFromPlan(knownPlan("us-east-1"));
        expect(estimateInventory(inv).assumptions).toEqual(ASSUMPTIONS);
        const other: Assumptions = { ...ASSUMPTIONS, gbStoredPerDataset: 7 };
        expect(estimateInventory(inv, other).assumptions).toEqual(other);
    });

    // An inventory that has something for every assumption to act on (the known plan lacks NAT and the DNS Firewall).
    const everything = () => ({ ...inventoryFromPlan(knownPlan("us-east-1")), natGateways: 1, dnsFirewalledVpcs: 1, dnsQueryLogsToS3: 1 });
    it.each(Object.keys(ASSUMPTIONS) as (keyof Assumptions)[])("%s drives a usage figure, and no fixed one", (key) => {
        const base = estimateInventory(everything());
        // Doubling a volume, or the PUT share (PUT/LIST is dearer than GET), must raise the usage cost.
        const more = estimateInventory(everything(), { ...ASSUMPTIONS, [key]: ASSUMPTIONS[key] * 2 });
        expect(more.usageUsd).toBeGreaterThan(base.usageUsd);
        expect(more.fixedUsd).toBe(base.fixedUsd);
        const changed = more.lines.filter((l, i) => l.usd !== base.lines[i].usd);
        expect(changed.length).toBeGreaterThan(0);
        expect(changed.every((l) => l.kind === "usage")).toBe(true);
    });

    it("computes exact figures for a known plan in us-east-1", () => {
        const est = estimatePlan(knownPlan("us-east-1"));
        expect(est.lines.map((l) => [l.kind, l.usd])).toEqual([
            ["fixed", 29.2], // 2 endpoints x 2 AZs x 730 h x $0.01
            ["usage", 0.02], // 2 GB x $0.01
            ["fixed", 0], // S3 gateway endpoint
            ["usage", 1.25], // 5 GB flow logs x $0.25
            ["fixed", 1], // 1 key
            ["usage", 0.03], // 10,000 requests x $0.03 / 10k
            ["usage", 4.6], // 200 GB x $0.023
            ["usage", 1], // 200,000 PUT x $0.005 / 1k
            ["usage", 0.32], // 800,000 GET x $0.0004 / 1k
            ["usage", 1], // 1,000,000 data events x $0.10 / 100k
            ["usage", 0.138], // (5 + 2 x 0.5) GB x $0.023
            ["usage", 0.5], // 1 GB ingested x $0.50
            ["usage", 0.36], // 12 GB stored x $0.03
        ]);
        expect(est.fixedUsd).toBe(30.2);
        expect(est.usageUsd).toBe(9.22);
        expect(est.totalUsd).toBe(39.42);
        expect(est.byArea).toEqual({ network: 30.47, key: 1.03, data: 5.92, audit: 2, workspace: 0 });
    });

    it("prices the same plan higher in eu-west-1 (endpoints and log ingestion)", () => {
        const est = estimatePlan(knownPlan("eu-west-1"));
        expect(est.fixedUsd).toBe(33.12); // 2 x 2 x 730 x $0.011 = 32.12, + $1 key
        expect(est.usageUsd).toBe(9.29); // log ingestion $0.57 instead of $0.50
        expect(est.totalUsd).toBe(42.41);
        expect(estimatePlan(knownPlan("us-west-2")).totalUsd).toBe(39.42);
    });

    it("refuses a region it has no prices for, naming the known ones", () => {
        expect(() => estimatePlan(knownPlan("ap-south-1"))).toThrow(new UnknownRegionError("ap-south-1"));
        expect(new UnknownRegionError("ap-south-1").message).toBe(
            'no prices for region "ap-south-1" in cost/prices.ts (known: us-east-1, us-west-2, eu-west-1). Fix: add the region\'s list prices with their source page and date, or plan in a known region.',
        );
        expect(renderCost(knownPlan("ap-south-1"))).toContain(`not estimated: ${new UnknownRegionError("ap-south-1").message}`);
    });

    it("keeps a source page for every price", () => {
        for (const prices of Object.values(PRICES)) {
            const { instanceHour, listedFor, asOf, ...flat } = prices;
            expect(Object.keys(instanceHour).length).toBeGreaterThan(0);
            expect([listedFor, asOf]).toEqual([expect.stringMatching(/^[a-z]{2}-[a-z]+-\d$/), expect.stringMatching(/^\d{4}-\d{2}/)]);
            for (const price of [...Object.values(flat), ...Object.values(instanceHour)])
                expect(price.source).toMatch(/^https:\/\/aws\.amazon\.com\/[a-z0-9]+\/pricing\/(on-demand\/)?$/);
        }
    });

    it("prices a default awsx VPC: 3 NAT gateways and their EIPs, plus NAT data", () => {
        const est = estimateInventory(defaultAwsxVpcInventory("us-east-1"));
        expect(est.fixedUsd).toBe(109.5); // 3 x 730 x ($0.045 + $0.005)
        expect(est.usageUsd).toBe(2.25); // 50 GB x $0.045
        expect(est.totalUsd).toBe(111.75);
    });

    it("estimates both fixture vendors from their real plans", async () => {
        const acme = estimatePlan(await fixturePlan(ACME));
        expect([acme.fixedUsd, acme.usageUsd, acme.totalUsd]).toEqual([1.01, 12.25, 13.26]);
        expect(acme.byArea.network).toBe(1.99);
        // The DNS Firewall: 5 domains in two lists, one VPC's queries, one query log to the archive.
        expect(acme.lines.filter((l) => l.item.startsWith("DNS")).map((l) => [l.kind, l.quantity, l.usd])).toEqual([
            ["fixed", 5, 0.01],
            ["usage", 1_000_000, 0.6],
            ["usage", 0.5, 0.125],
        ]);
        const evalcorp = estimatePlan(await fixturePlan(EVALCORP));
        expect([evalcorp.fixedUsd, evalcorp.usageUsd, evalcorp.totalUsd]).toEqual([44.81, 9.95, 54.76]);
    });

    it("scales interface endpoint cost with the AZs the plan really creates", async () => {
        const base = vendor(EVALCORP);
        const fixedFor = async (azCount: number) => {
            const plan = await planVendor({ ...base, network: { ...base.network, azCount } }, security);
            expect(inventoryFromPlan(plan).interfaceEndpointAzs).toEqual([azCount, azCount]);
            return estimatePlan(plan).lines.find((l) => l.item.startsWith("interface endpoints ("))!.usd;
        };
        expect(await fixedFor(1)).toBe(14.6); // 2 endpoints x 1 AZ x 730 h x $0.01
        expect(await fixedFor(2)).toBe(29.2);
        expect(await fixedFor(3)).toBe(43.8);
    });

    it("reads the region from the plan itself", async () => {
        const [spec, sec] = inRegion(vendor(EVALCORP), security, "eu-west-1");
        const est = estimatePlan(await planVendor(spec, sec));
        expect(est.region).toBe("eu-west-1");
        expect([est.fixedUsd, est.usageUsd, est.totalUsd]).toEqual([49.19, 10.02, 59.21]);
    });
});
