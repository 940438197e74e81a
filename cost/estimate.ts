import type { SecurityStackOutputs, VendorStackOutputs } from "../contract/outputs";
import { TAG } from "../contract/tags";
import { T } from "../contract/tokens";
import type { Plan, PlanResource } from "../plan/types";
import { HOURS_PER_MONTH, pricesFor, UnknownInstanceTypeError, type Price, type RegionPrices } from "./prices";

/**
 * Usage assumptions, per enclave per month unless stated. Fixed costs come from what the plan creates; usage costs
 * need volumes nobody knows before the vendor works, so they are stated here and shown with every estimate.
 */
export const ASSUMPTIONS = {
    /** Object-level S3 requests on the vendor's datasets (all of them are CloudTrail data events). */
    s3RequestsPerMonth: 1_000_000,
    /** Share of those requests that are PUT/LIST (the rest are GET). */
    s3PutShare: 0.2,
    /** Data kept in each dataset bucket (S3 Standard). */
    gbStoredPerDataset: 100,
    /** KMS requests per key (S3 bucket keys cut per-object calls). */
    kmsRequestsPerKey: 10_000,
    /** VPC flow logs delivered to the archive per flow log. */
    flowLogGbPerMonth: 5,
    /** S3 server access logs written per logged bucket (delivery is free; storage is not). */
    accessLogGbPerBucket: 0.5,
    /** Workload logs ingested per CloudWatch log group. */
    workloadLogGbIngested: 1,
    /** Workload logs held per log group (one year at the ingestion rate above). */
    workloadLogGbStored: 12,
    /** Data processed per interface endpoint (KMS/STS/Logs API calls are small). */
    interfaceEndpointGb: 1,
    /** DNS queries from inside the VPC, each one checked by the DNS Firewall and logged. */
    dnsQueriesPerMonth: 1_000_000,
    /** Resolver query logs delivered to the archive per VPC (a few hundred bytes per query). */
    dnsQueryLogGbPerMonth: 0.5,
    /** Traffic from inside the VPC to S3 and AWS APIs: free through the S3 gateway endpoint, billed through a NAT gateway. */
    vpcToAwsGb: 50,
    /** Export airlock: requests (files submitted to the outbox) per month, each scanned, checked, reviewed and released. */
    airlockExportsPerMonth: 100,
    /** Export airlock: size of one exported file, in MB (GuardDuty scans it, the leak check reads it, it is kept twice). */
    airlockMbPerExport: 10,
    /** Export airlock: reads of GuardDuty's scan tag before it is there (each one a Lambda call and 4 state transitions). */
    airlockScanPollsPerExport: 2,
    /** Export airlock: dataset objects written per month, each fingerprinted for the leak check by one Lambda call. */
    airlockFingerprintsPerMonth: 10_000,
    /** Export airlock: run time of one handler call, in seconds (billed at the function's memory: 256 MB, 1,024 MB for the leak check and fingerprints). */
    airlockSecondsPerCall: 1,
} as const;

/**
 * Per export, on the way to a release (airlock/stateMachine.ts): Start, Scan, ScanResult, LeakCheck, LeakResult,
 * OpenReview, Review, ReviewOutcome, Decision, Release, plus ScanWait, ScanAgain, Scan, ScanResult per scan poll.
 */
export const AIRLOCK_TRANSITIONS_BASE = 10;
export const AIRLOCK_TRANSITIONS_PER_POLL = 4;
/** Handler calls per export at 256 MB: submit, scan (1 + polls), openReview, reviewOutcome, decide (one per decision object, two), release. */
export const AIRLOCK_SMALL_CALLS_BASE = 7;
/** S3 requests per export (request record, tags, decisions, archive records, copy; reads of the record and the version). */
export const AIRLOCK_S3_PUTS_PER_EXPORT = 20;
export const AIRLOCK_S3_GETS_PER_EXPORT = 30;

export type Assumptions = { -readonly [K in keyof typeof ASSUMPTIONS]: number };

/** What the estimate counts, taken from a plan (or described, for the awsx comparison). */
export interface Inventory {
    region: string;
    kmsKeys: number;
    /** One entry per interface endpoint: the number of AZs (subnets) it has an ENI in. */
    interfaceEndpointAzs: number[];
    gatewayEndpoints: number;
    natGateways: number;
    publicIpv4: number;
    /** Trails that record data events only (no management events, so no second-copy charge). */
    dataEventTrails: number;
    /** Trails that also record management events (first copy free; a second copy is not modelled). */
    managementEventTrails: number;
    flowLogsToS3: number;
    flowLogsToCloudWatch: number;
    /** VPCs with a DNS Firewall rule group associated. */
    dnsFirewalledVpcs: number;
    /** Domains across the DNS Firewall's domain lists (`*` counts as one). */
    dnsFirewallDomains: number;
    /** Resolver query-log configs delivering to S3. */
    dnsQueryLogsToS3: number;
    datasetBuckets: number;
    accessLoggedBuckets: number;
    logGroups: number;
    /** Workspace instances: type and root volume size. */
    instances: { type: string; rootGiB: number }[];
    /** Export airlocks (one state machine each). */
    airlocks: number;
}

export type CostArea = "network" | "key" | "data" | "audit" | "workspace" | "airlock";

export interface CostLine {
    area: CostArea;
    kind: "fixed" | "usage";
    item: string;
    quantity: number;
    unit: string;
    unitUsd: number;
    usd: number;
    source: string;
}

export interface CostEstimate {
    region: string;
    lines: CostLine[];
    fixedUsd: number;
    usageUsd: number;
    totalUsd: number;
    byArea: Record<CostArea, number>;
    assumptions: Assumptions;
    pricesAsOf: string;
    /** The region whose published list prices were used (us-west-2 uses us-east-1's, which are the same). */
    pricesListedFor: string;
    /** What the plan uses but the price table has no confirmed figure for in this region (left out of the total). */
    notPriced: string[];
}

const ofType = (plan: Plan, types: readonly string[]): PlanResource[] => plan.resources.filter((r) => types.includes(r.type));

/** The region the plan deploys to: the `region` both stack contracts export, else its explicit AWS provider's. */
export function planRegion(plan: Plan): string {
    const exported = (plan.outputs as Partial<Pick<VendorStackOutputs | SecurityStackOutputs, "region">>).region;
    if (typeof exported === "string") return exported;
    const provider = ofType(plan, T.awsProvider).find((r) => typeof r.inputs.region === "string");
    if (provider) return provider.inputs.region as string;
    throw new Error(`plan ${plan.stack} names no region (no region output, no AWS provider with a region)`);
}

function isDataOnlyTrail(trail: PlanResource): boolean {
    const selectors = trail.inputs.advancedEventSelectors as { fieldSelectors: { field: string; equals?: string[] }[] }[] | undefined;
    if (!selectors || selectors.length === 0) return false;
    return selectors.every((s) => s.fieldSelectors.some((f) => f.field === "eventCategory" && f.equals?.length === 1 && f.equals[0] === "Data"));
}

/** Counts what the plan would really create, by resource type. */
export function inventoryFromPlan(plan: Plan): Inventory {
    const endpoints = ofType(plan, T.endpoint);
    const interfaces = endpoints.filter((e) => e.inputs.vpcEndpointType === "Interface");
    const trails = ofType(plan, T.trail);
    const flowLogs = ofType(plan, T.flowLog);
    return {
        region: planRegion(plan),
        kmsKeys: ofType(plan, T.key).length,
        interfaceEndpointAzs: interfaces.map((e) => (Array.isArray(e.inputs.subnetIds) ? e.inputs.subnetIds.length : 0)),
        gatewayEndpoints: endpoints.filter((e) => e.inputs.vpcEndpointType === "Gateway").length,
        natGateways: ofType(plan, T.natGateway).length,
        publicIpv4: ofType(plan, T.eip).length,
        dataEventTrails: trails.filter(isDataOnlyTrail).length,
        managementEventTrails: trails.filter((t) => !isDataOnlyTrail(t)).length,
        flowLogsToS3: flowLogs.filter((f) => f.inputs.logDestinationType === "s3").length,
        flowLogsToCloudWatch: flowLogs.filter((f) => f.inputs.logDestinationType !== "s3").length,
        dnsFirewalledVpcs: ofType(plan, T.dnsAssociation).length,
        dnsFirewallDomains: ofType(plan, T.dnsDomainList).reduce((n, l) => n + (Array.isArray(l.inputs.domains) ? l.inputs.domains.length : 0), 0),
        dnsQueryLogsToS3: ofType(plan, T.dnsQueryLog).filter((q) => String(q.inputs.destinationArn ?? "").startsWith("arn:aws:s3:::")).length,
        // The airlock's buckets hold exports, priced with the airlock from its own assumptions, not as datasets.
        datasetBuckets: ofType(plan, T.bucket).filter((b) => !(b.inputs.tags as Record<string, string> | undefined)?.[TAG.airlock]).length,
        accessLoggedBuckets: ofType(plan, T.logging).length,
        logGroups: ofType(plan, T.logGroup).length,
        instances: ofType(plan, T.instance).map((i) => ({
            type: String(i.inputs.instanceType),
            rootGiB: Number((i.inputs.rootBlockDevice as { volumeSize?: number } | undefined)?.volumeSize ?? 8),
        })),
        airlocks: ofType(plan, T.stateMachine).length,
    };
}

/**
 * awsx's `new awsx.ec2.Vpc("vpc")` with its defaults: 3 AZs, a public and a private subnet per AZ, an internet
 * gateway (free), one NAT gateway per AZ each with an EIP (billed as a public IPv4 address), no VPC endpoints, no flow
 * logs. Network only: it has no key, data or audit resources.
 */
export function defaultAwsxVpcInventory(region: string): Inventory {
    return {
        region,
        kmsKeys: 0,
        interfaceEndpointAzs: [],
        gatewayEndpoints: 0,
        natGateways: 3,
        publicIpv4: 3,
        dataEventTrails: 0,
        managementEventTrails: 0,
        flowLogsToS3: 0,
        flowLogsToCloudWatch: 0,
        dnsFirewalledVpcs: 0,
        dnsFirewallDomains: 0,
        dnsQueryLogsToS3: 0,
        datasetBuckets: 0,
        accessLoggedBuckets: 0,
        logGroups: 0,
        instances: [],
        airlocks: 0,
    };
}

const count = (n: number): string => n.toLocaleString("en-US");
const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

export function estimateInventory(inv: Inventory, assumptions: Assumptions = { ...ASSUMPTIONS }): CostEstimate {
    const pr: RegionPrices = pricesFor(inv.region);
    const a = assumptions;
    const lines: CostLine[] = [];
    const add = (area: CostArea, kind: CostLine["kind"], item: string, quantity: number, price: Price, per = 1) => {
        if (quantity === 0) return;
        lines.push({
            area,
            kind,
            item,
            quantity: round(quantity, 6),
            unit: price.unit,
            unitUsd: price.usd,
            usd: round((quantity / per) * price.usd, 6),
            source: price.source,
        });
    };
    const H = HOURS_PER_MONTH;

    // Network
    const endpointAzHours = inv.interfaceEndpointAzs.reduce((s, azs) => s + azs * H, 0);
    add(
        "network",
        "fixed",
        `interface endpoints (${inv.interfaceEndpointAzs.length}, ${inv.interfaceEndpointAzs.join("+")} AZs) x ${H} h`,
        endpointAzHours,
        pr.interfaceEndpointAzHour,
    );
    add(
        "network",
        "usage",
        `interface endpoint data (${a.interfaceEndpointGb} GB each)`,
        inv.interfaceEndpointAzs.length * a.interfaceEndpointGb,
        pr.interfaceEndpointGb,
    );
    add("network", "fixed", "S3 gateway endpoint (free)", inv.gatewayEndpoints, pr.gatewayEndpointMonth);
    add("network", "fixed", `NAT gateways (${inv.natGateways}) x ${H} h`, inv.natGateways * H, pr.natGatewayHour);
    add("network", "fixed", `public IPv4 addresses (${inv.publicIpv4}) x ${H} h`, inv.publicIpv4 * H, pr.publicIpv4Hour);
    if (inv.natGateways > 0) add("network", "usage", `VPC-to-AWS traffic through NAT (${a.vpcToAwsGb} GB)`, a.vpcToAwsGb, pr.natGatewayGb);
    add("network", "usage", `flow logs delivered to S3 (${a.flowLogGbPerMonth} GB each)`, inv.flowLogsToS3 * a.flowLogGbPerMonth, pr.vendedLogsS3Gb);
    add(
        "network",
        "usage",
        `flow logs ingested by CloudWatch Logs (${a.flowLogGbPerMonth} GB each)`,
        inv.flowLogsToCloudWatch * a.flowLogGbPerMonth,
        pr.cloudwatchLogsIngestGb,
    );
    add("network", "fixed", `DNS Firewall domain lists (${inv.dnsFirewallDomains} domains)`, inv.dnsFirewallDomains, pr.dnsFirewallDomainMonth);
    add(
        "network",
        "usage",
        `DNS Firewall queries (${count(a.dnsQueriesPerMonth)} per VPC)`,
        inv.dnsFirewalledVpcs * a.dnsQueriesPerMonth,
        pr.dnsFirewallQueries1m,
        1_000_000,
    );
    // Priced like flow-log delivery: the pricing pages this table cites do not say whether resolver query logs to S3
    // are billed as vended logs or only as S3 storage, so the estimate takes the higher reading.
    add(
        "network",
        "usage",
        `DNS query logs delivered to S3 (${a.dnsQueryLogGbPerMonth} GB each)`,
        inv.dnsQueryLogsToS3 * a.dnsQueryLogGbPerMonth,
        pr.vendedLogsS3Gb,
    );

    // Key
    add("key", "fixed", `KMS keys (${inv.kmsKeys})`, inv.kmsKeys, pr.kmsKeyMonth);
    add("key", "usage", `KMS requests (${count(a.kmsRequestsPerKey)} per key)`, inv.kmsKeys * a.kmsRequestsPerKey, pr.kmsRequests10k, 10_000);

    // Data
    const requests = inv.datasetBuckets > 0 ? a.s3RequestsPerMonth : 0;
    add(
        "data",
        "usage",
        `dataset storage (${inv.datasetBuckets} x ${a.gbStoredPerDataset} GB)`,
        inv.datasetBuckets * a.gbStoredPerDataset,
        pr.s3StandardGbMonth,
    );
    add("data", "usage", `S3 PUT/LIST requests (${a.s3PutShare * 100}% of ${count(requests)})`, requests * a.s3PutShare, pr.s3PutRequests1k, 1_000);
    add(
        "data",
        "usage",
        `S3 GET requests (${round((1 - a.s3PutShare) * 100, 6)}% of ${count(requests)})`,
        requests * (1 - a.s3PutShare),
        pr.s3GetRequests1k,
        1_000,
    );

    // Audit: vendor trails record data events only; the account trail's management events are the free first copy.
    add(
        "audit",
        "usage",
        `CloudTrail data events (${count(requests)} S3 object requests)`,
        inv.dataEventTrails * requests,
        pr.cloudtrailDataEvents100k,
        100_000,
    );
    const archivedGb =
        inv.flowLogsToS3 * a.flowLogGbPerMonth + inv.dnsQueryLogsToS3 * a.dnsQueryLogGbPerMonth + inv.accessLoggedBuckets * a.accessLogGbPerBucket;
    add(
        "audit",
        "usage",
        `log archive storage, first month (flow, DNS + ${inv.accessLoggedBuckets} x ${a.accessLogGbPerBucket} GB access logs)`,
        archivedGb,
        pr.s3StandardGbMonth,
    );
    add(
        "audit",
        "usage",
        `workload logs ingested (${inv.logGroups} x ${a.workloadLogGbIngested} GB)`,
        inv.logGroups * a.workloadLogGbIngested,
        pr.cloudwatchLogsIngestGb,
    );
    add(
        "audit",
        "usage",
        `workload logs stored (${inv.logGroups} x ${a.workloadLogGbStored} GB)`,
        inv.logGroups * a.workloadLogGbStored,
        pr.cloudwatchLogsStorageGbMonth,
    );

    // Workspace: instances run all month (stop them to save; the estimate does not guess a schedule). The three
    // Session Manager endpoints a workspace adds are priced above, with the other interface endpoints, per AZ.
    const byType = new Map<string, number>();
    for (const i of inv.instances) byType.set(i.type, (byType.get(i.type) ?? 0) + 1);
    for (const [type, n] of [...byType].sort(([a], [b]) => a.localeCompare(b))) {
        const price = pr.instanceHour[type];
        if (!price) throw new UnknownInstanceTypeError(inv.region, type);
        add("workspace", "fixed", `workspace instances (${n} x ${type}) x ${H} h`, n * H, price);
    }
    const volumeGb = inv.instances.reduce((s, i) => s + i.rootGiB, 0);
    if (inv.instances.length) add("workspace", "fixed", `workspace root volumes (${volumeGb} GB gp3)`, volumeGb, pr.ebsGp3GbMonth);

    // Airlock: usage only (a state machine, functions, buckets and a malware protection plan cost nothing idle). The
    // airlock's log groups are among inv.logGroups above; its buckets' data events among the trail's.
    const notPriced: string[] = [];
    if (inv.airlocks > 0) {
        const al = pr.airlock;
        const exports = inv.airlocks * a.airlockExportsPerMonth;
        const priced = (price: Price | null, what: string): price is Price => (price ? true : (notPriced.push(what), false));
        const transitions = exports * (AIRLOCK_TRANSITIONS_BASE + AIRLOCK_TRANSITIONS_PER_POLL * a.airlockScanPollsPerExport);
        if (priced(al.sfnTransitions1k, "Step Functions state transitions"))
            add("airlock", "usage", `airlock state transitions (${count(exports)} exports)`, transitions, al.sfnTransitions1k, 1_000);
        const smallCalls = exports * (AIRLOCK_SMALL_CALLS_BASE + a.airlockScanPollsPerExport);
        const bigCalls = exports + inv.airlocks * a.airlockFingerprintsPerMonth;
        if (priced(al.lambdaRequests1m, "Lambda requests"))
            add(
                "airlock",
                "usage",
                `airlock Lambda requests (${count(exports)} exports, ${count(a.airlockFingerprintsPerMonth)} fingerprints)`,
                smallCalls + bigCalls,
                al.lambdaRequests1m,
                1_000_000,
            );
        if (priced(al.lambdaGbSecond, "Lambda duration"))
            add(
                "airlock",
                "usage",
                `airlock Lambda duration (${a.airlockSecondsPerCall} s a call)`,
                (smallCalls * 0.25 + bigCalls * 1) * a.airlockSecondsPerCall,
                al.lambdaGbSecond,
            );
        add(
            "airlock",
            "usage",
            "EventBridge S3 events (AWS service events, free)",
            exports * 3 + inv.airlocks * a.airlockFingerprintsPerMonth,
            al.eventBridgeAwsEvent,
        );
        const scannedGb = (exports * a.airlockMbPerExport) / 1024;
        if (priced(al.malwareScanGb, "GuardDuty Malware Protection for S3 (GB scanned)"))
            add("airlock", "usage", `GuardDuty malware scan (${count(exports)} x ${a.airlockMbPerExport} MB)`, scannedGb, al.malwareScanGb);
        if (priced(al.malwareObjects1k, "GuardDuty Malware Protection for S3 (objects evaluated)"))
            add("airlock", "usage", `GuardDuty objects evaluated (${count(exports)})`, exports, al.malwareObjects1k, 1_000);
        // Kept in the outbox and, once released, in the released bucket: two copies, first month.
        add("airlock", "usage", `airlock storage, first month (outbox + released copy)`, 2 * scannedGb, pr.s3StandardGbMonth);
        add(
            "airlock",
            "usage",
            `airlock S3 PUT/COPY requests (${AIRLOCK_S3_PUTS_PER_EXPORT} per export)`,
            exports * AIRLOCK_S3_PUTS_PER_EXPORT,
            pr.s3PutRequests1k,
            1_000,
        );
        add(
            "airlock",
            "usage",
            `airlock S3 GET requests (${AIRLOCK_S3_GETS_PER_EXPORT} per export)`,
            exports * AIRLOCK_S3_GETS_PER_EXPORT,
            pr.s3GetRequests1k,
            1_000,
        );
    }

    const sum = (ls: CostLine[]) =>
        round(
            ls.reduce((s, l) => s + l.usd, 0),
            2,
        );
    const byArea = { network: 0, key: 0, data: 0, audit: 0, workspace: 0, airlock: 0 } as Record<CostArea, number>;
    for (const area of Object.keys(byArea) as CostArea[]) byArea[area] = sum(lines.filter((l) => l.area === area));
    const fixedUsd = sum(lines.filter((l) => l.kind === "fixed"));
    const usageUsd = sum(lines.filter((l) => l.kind === "usage"));
    return {
        region: inv.region,
        lines,
        fixedUsd,
        usageUsd,
        totalUsd: round(fixedUsd + usageUsd, 2),
        byArea,
        assumptions: { ...a },
        pricesAsOf: pr.asOf,
        pricesListedFor: pr.listedFor,
        notPriced,
    };
}

/** The monthly estimate of what a plan would really create. Throws UnknownRegionError for a region without prices. */
export function estimatePlan(plan: Plan, assumptions?: Assumptions): CostEstimate {
    return estimateInventory(inventoryFromPlan(plan), assumptions);
}
