import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import { ASSUMPTIONS, defaultAwsxVpcInventory, estimateInventory, estimatePlan, inventoryFromPlan, type Assumptions } from "../cost/estimate";
import { PRICES, UnknownRegionError } from "../cost/prices";
import { renderCost } from "../cost/render";
import { planVendor } from "../plan/stacks";
import type { Plan, PlanResource } from "../plan/types";
import type { SecuritySpec, VendorSpec } from "../config/schema";
import * as path from "node:path";
import { loadSecuritySpec, loadVendorSpec } from "../config/load";
import { ACME, EVALCORP, FIXTURES_DIR, fixturePlan, securityFixture, vendorFixture } from "./support/fixtures";

const security = securityFixture();
const round2 = (n: number) => Math.round(n * 100) / 100;
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

    // An inventory that has something for every assumption to act on (the known plan lacks NAT, the DNS Firewall and an airlock).
    const everything = () => ({ ...inventoryFromPlan(knownPlan("us-east-1")), natGateways: 1, dnsFirewalledVpcs: 1, dnsQueryLogsToS3: 1, airlocks: 1 });
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
        expect(est.byArea).toEqual({ network: 30.47, key: 1.03, data: 5.92, audit: 2, workspace: 0, airlock: 0 });
        expect(est.notPriced).toEqual([]);
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
            const { instanceHour, listedFor, asOf, airlock, ...flat } = prices;
            for (const price of Object.values(airlock).filter((x) => x !== null))
                expect(price.source).toMatch(/^https:\/\/aws\.amazon\.com\/[a-z0-9-]+\/pricing\/$/);
            expect(Object.keys(instanceHour).length).toBeGreaterThan(0);
            expect([listedFor, asOf]).toEqual([expect.stringMatching(/^[a-z]{2}-[a-z]+-\d$/), expect.stringMatching(/^\d{4}-\d{2}/)]);
            for (const price of [...Object.values(flat), ...Object.values(instanceHour)])
                expect(price.source).toMatch(/^https:\/\/aws\.amazon\.com\/[a-z0-9]+\/pricing\/(on-demand\/)?$/);
        }
    });

    const withAirlock = (region: string): Plan => {
        const p = knownPlan(region);
        return { ...p, resources: [...p.resources, res("aws:sfn/stateMachine:StateMachine")] };
    };

    it("prices the export airlock from its usage assumptions, exactly, in us-east-1", () => {
        const est = estimatePlan(withAirlock("us-east-1"));
        expect(inventoryFromPlan(withAirlock("us-east-1")).airlocks).toBe(1);
        expect(est.lines.filter((l) => l.area === "airlock").map((l) => [l.kind, l.quantity, l.usd])).toEqual([
            ["usage", 1800, 0.045], // 100 exports x (10 + 4 x 2 polls) transitions x $0.025 / 1k
            ["usage", 11_000, 0.0022], // 100 x (7 + 2) calls at 256 MB + 100 leak checks + 10,000 fingerprints, x $0.20 / 1M
            ["usage", 10_325, 0.172084], // (900 x 0.25 GB + 10,100 x 1 GB) x 1 s x $0.0000166667
            ["usage", 10_300, 0], // EventBridge: AWS service events are free
            ["usage", 0.976563, 0.087891], // 100 x 10 MB scanned = 0.9765625 GB x $0.09
            ["usage", 100, 0.0215], // 100 objects evaluated x $0.215 / 1k
            ["usage", 1.953125, 0.044922], // two copies of 0.9765625 GB x $0.023
            ["usage", 2000, 0.01], // 100 x 20 PUT/COPY x $0.005 / 1k
            ["usage", 3000, 0.0012], // 100 x 30 GET x $0.0004 / 1k
        ]);
        expect(est.byArea.airlock).toBe(0.38);
        // Everything else is as without the airlock; the airlock is usage only (nothing of it costs while idle).
        const without = estimatePlan(knownPlan("us-east-1"));
        expect(est.fixedUsd).toBe(without.fixedUsd);
        expect(est.usageUsd).toBe(round2(without.usageUsd + 0.384797));
        expect(est.notPriced).toEqual([]);
        // Twice the exports: every export-driven line doubles.
        const twice = estimatePlan(withAirlock("us-east-1"), { ...ASSUMPTIONS, airlockExportsPerMonth: 200 });
        const line = (e: typeof est, prefix: string) => e.lines.find((l) => l.item.startsWith(prefix))!.usd;
        expect(line(twice, "GuardDuty objects evaluated")).toBe(0.043);
        expect(line(twice, "airlock state transitions")).toBe(0.09);
    });

    it("prices the airlock fixture's plan: its three buckets are not counted as datasets", async () => {
        const dir = path.join(FIXTURES_DIR, "airlock");
        const plan = await planVendor(loadVendorSpec(path.join(dir, "harbor-annotate.yaml")), loadSecuritySpec(path.join(dir, "security.yaml")));
        const inv = inventoryFromPlan(plan);
        expect([inv.airlocks, inv.datasetBuckets]).toEqual([1, 2]);
        const est = estimatePlan(plan);
        expect(est.byArea.airlock).toBe(0.38);
        expect(est.lines.find((l) => l.item.startsWith("dataset storage"))!.item).toBe("dataset storage (2 x 100 GB)");
    });

    it("says 'not priced' for airlock services without a confirmed price in the region, and leaves them out of the total", () => {
        const est = estimatePlan(withAirlock("eu-west-1"));
        expect(est.notPriced).toEqual([
            "Lambda requests",
            "Lambda duration",
            "GuardDuty Malware Protection for S3 (GB scanned)",
            "GuardDuty Malware Protection for S3 (objects evaluated)",
        ]);
        expect(est.lines.filter((l) => l.area === "airlock").map((l) => l.item.split(" (")[0])).toEqual([
            "airlock state transitions",
            "EventBridge S3 events",
            "airlock storage, first month",
            "airlock S3 PUT/COPY requests",
            "airlock S3 GET requests",
        ]);
        const text = stripVTControlCharacters(renderCost(withAirlock("eu-west-1")));
        expect(text).toContain(
            "not priced in eu-west-1 (no confirmed list price in cost/prices.ts, left out of the total): Lambda requests, Lambda duration, GuardDuty Malware Protection for S3 (GB scanned), GuardDuty Malware Protection for S3 (objects evaluated)",
        );
        const us = stripVTControlCharacters(renderCost(withAirlock("us-east-1")));
        expect(us).toContain(", airlock $0.38");
        expect(us).toContain("airlock: 100 exports of 10 MB (2 scan polls each), 10,000 dataset objects fingerprinted, 1 s per handler call");
        expect(us).not.toContain("not priced");
        // No airlock, no airlock words.
        expect(stripVTControlCharacters(renderCost(knownPlan("us-east-1")))).not.toContain("airlock");
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
