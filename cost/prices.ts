/**
 * Public AWS list prices (USD, on-demand, first pricing tier) used by the cost estimate. Not fetched live: these are the
 * published list prices as last read on the date each region's table carries (`asOf`), from the source page of each
 * entry. Re-read the source pages and update the date before relying on a figure; a region or instance type not listed
 * here is refused, never guessed.
 */
export const PRICES_AS_OF = "2024-06";

/**
 * The workspace's figures in us-east-1 (interface endpoint per AZ-hour, EC2 on-demand Linux instance-hours, EBS gp3
 * GB-month), checked on this date. AWS renders its rate tables with script, so the stored text of its pages holds the
 * billing rules but not every figure; where it did not, the figure was checked against a dated secondary page:
 * - https://aws.amazon.com/privatelink/pricing/ : billed per endpoint per AZ per hour provisioned, partial hours as
 *   full; data processed $0.01/GB for the first PB in a region. $0.01 per endpoint-AZ-hour in us-east-1 also per
 *   https://www.factualminds.com/blog/amazon-vpc-pricing-endpoints-peering-transit-gateway/ (2026-06-13).
 * - https://aws.amazon.com/ec2/pricing/on-demand/ : t3.large $0.0832/h in us-east-1 per https://go-cloud.io/?p=10607
 *   (2026); the other t3 sizes scale with size (t3 is priced linearly: small 1/4, medium 1/2, xlarge 2x large). The
 *   m6i, c6i and r6i figures written earlier could not be confirmed and are no longer listed for us-east-1.
 * - https://aws.amazon.com/ebs/pricing/ : gp3 $0.08/GB-month, 3,000 IOPS and 125 MB/s included (the figure also in
 *   https://gitlab.com/gitlab-org/ci-cd/docker-machine/-/merge_requests/45).
 * No figure changed on that reading: every one checked matched the table.
 */
export const WORKSPACE_PRICES_READ = "2026-11-30";

export const HOURS_PER_MONTH = 730;

/**
 * The export airlock's figures, read on this date. Step Functions: the Standard state-transition table on
 * https://aws.amazon.com/step-functions/pricing/ ($0.025 per 1,000 in US East (N. Virginia), US West (Oregon) and
 * Europe (Ireland)). Lambda: https://aws.amazon.com/lambda/pricing/ and AWS's "How AWS Pricing Works" whitepaper
 * (https://docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/lambda.html): $0.20 per million requests and
 * $0.0000166667 per GB-second (x86), figures given for US East. GuardDuty Malware Protection for S3:
 * https://aws.amazon.com/guardduty/pricing/ renders its table with script; its worked example for US East bills $0.09
 * per GB scanned and $0.215 per 1,000 objects evaluated, as transcribed from that page on 2026-10-07 in
 * https://raw.githubusercontent.com/api-evangelist/amazon-guardduty/refs/heads/main/plans/amazon-guardduty-plans-pricing.yml (the free
 * tier of 1,000 objects and 1 GB a month for 12 months is ignored, like every free tier here). EventBridge: events
 * from AWS services on the default bus (the S3 Object Created events the airlock uses) are free
 * (https://aws.amazon.com/eventbridge/pricing/). The airlock uses no SQS queue. A figure not confirmed for a region is
 * null there: the estimate says "not priced" rather than guess.
 */
export const AIRLOCK_PRICES_READ = "2026-11-30";

export interface Price {
    usd: number;
    unit: string;
    source: string;
}

export interface RegionPrices {
    /** The region whose published prices these are, and when they were read (the estimate prints both). */
    listedFor: string;
    asOf: string;
    /** Interface VPC endpoint, per endpoint per AZ per hour. */
    interfaceEndpointAzHour: Price;
    /** Interface VPC endpoint data processed, per GB (first PB tier). */
    interfaceEndpointGb: Price;
    /** Gateway VPC endpoint (S3): no charge. */
    gatewayEndpointMonth: Price;
    /** KMS customer managed key, per key per month. */
    kmsKeyMonth: Price;
    /** KMS API requests, per 10,000. */
    kmsRequests10k: Price;
    /** CloudTrail data events delivered to S3, per 100,000. */
    cloudtrailDataEvents100k: Price;
    /** S3 Standard storage, per GB-month (first 50 TB). */
    s3StandardGbMonth: Price;
    /** S3 Standard PUT/COPY/POST/LIST requests, per 1,000. */
    s3PutRequests1k: Price;
    /** S3 Standard GET/SELECT and other requests, per 1,000. */
    s3GetRequests1k: Price;
    /** Vended logs (VPC flow logs; DNS query logs, see estimate.ts) delivered to S3, per GB ingested (first 10 TB). */
    vendedLogsS3Gb: Price;
    /** CloudWatch Logs standard ingestion, per GB. */
    cloudwatchLogsIngestGb: Price;
    /** CloudWatch Logs archived storage, per GB-month. */
    cloudwatchLogsStorageGbMonth: Price;
    /** NAT gateway, per gateway per hour. */
    natGatewayHour: Price;
    /** NAT gateway data processed, per GB. */
    natGatewayGb: Price;
    /** Public IPv4 address (e.g. a NAT gateway's EIP), per address per hour. */
    publicIpv4Hour: Price;
    /** Route 53 Resolver DNS Firewall, per million queries processed (first billion). */
    dnsFirewallQueries1m: Price;
    /** Route 53 Resolver DNS Firewall, per domain in the firewall's domain lists per month. */
    dnsFirewallDomainMonth: Price;
    /** EC2 on-demand Linux, per instance-hour, by instance type (workspace instances); a type not listed is refused. */
    instanceHour: Readonly<Record<string, Price>>;
    /** EBS gp3 storage, per GB-month (baseline IOPS and throughput are included). */
    ebsGp3GbMonth: Price;
    /** The export airlock's services (AIRLOCK_PRICES_READ); null: not confirmed for this region, not priced. */
    airlock: AirlockPrices;
}

export interface AirlockPrices {
    /** Step Functions Standard, per 1,000 state transitions. */
    sfnTransitions1k: Price | null;
    /** Lambda requests, per 1,000,000. */
    lambdaRequests1m: Price | null;
    /** Lambda duration (x86), per GB-second. */
    lambdaGbSecond: Price | null;
    /** EventBridge events from AWS services on the default bus: free. */
    eventBridgeAwsEvent: Price;
    /** GuardDuty Malware Protection for S3, per GB scanned. */
    malwareScanGb: Price | null;
    /** GuardDuty Malware Protection for S3, per 1,000 objects evaluated. */
    malwareObjects1k: Price | null;
}

const SRC = {
    privatelink: "https://aws.amazon.com/privatelink/pricing/",
    kms: "https://aws.amazon.com/kms/pricing/",
    cloudtrail: "https://aws.amazon.com/cloudtrail/pricing/",
    s3: "https://aws.amazon.com/s3/pricing/",
    cloudwatch: "https://aws.amazon.com/cloudwatch/pricing/",
    vpc: "https://aws.amazon.com/vpc/pricing/",
    route53: "https://aws.amazon.com/route53/pricing/",
    ec2: "https://aws.amazon.com/ec2/pricing/on-demand/",
    ebs: "https://aws.amazon.com/ebs/pricing/",
    stepFunctions: "https://aws.amazon.com/step-functions/pricing/",
    lambda: "https://aws.amazon.com/lambda/pricing/",
    eventBridge: "https://aws.amazon.com/eventbridge/pricing/",
    guardDuty: "https://aws.amazon.com/guardduty/pricing/",
} as const;

const p = (usd: number, unit: string, source: string): Price => ({ usd, unit, source });
const hourly = (table: Record<string, number>): Record<string, Price> =>
    Object.fromEntries(Object.entries(table).map(([type, usd]) => [type, p(usd, `${type} instance-hour`, SRC.ec2)]));

/** US East (N. Virginia) list prices; US West (Oregon) has the same figures for every item here. */
const US: RegionPrices = {
    listedFor: "us-east-1",
    asOf: `${WORKSPACE_PRICES_READ} (instances, gp3, interface endpoints; the rest ${PRICES_AS_OF})`,
    interfaceEndpointAzHour: p(0.01, "endpoint-AZ-hour", SRC.privatelink),
    interfaceEndpointGb: p(0.01, "GB processed", SRC.privatelink),
    gatewayEndpointMonth: p(0, "endpoint-month", SRC.privatelink),
    kmsKeyMonth: p(1, "key-month", SRC.kms),
    kmsRequests10k: p(0.03, "10,000 requests", SRC.kms),
    cloudtrailDataEvents100k: p(0.1, "100,000 data events", SRC.cloudtrail),
    s3StandardGbMonth: p(0.023, "GB-month", SRC.s3),
    s3PutRequests1k: p(0.005, "1,000 PUT/LIST requests", SRC.s3),
    s3GetRequests1k: p(0.0004, "1,000 GET requests", SRC.s3),
    vendedLogsS3Gb: p(0.25, "GB of vended logs delivered to S3", SRC.cloudwatch),
    cloudwatchLogsIngestGb: p(0.5, "GB ingested", SRC.cloudwatch),
    cloudwatchLogsStorageGbMonth: p(0.03, "GB-month stored", SRC.cloudwatch),
    natGatewayHour: p(0.045, "gateway-hour", SRC.vpc),
    natGatewayGb: p(0.045, "GB processed", SRC.vpc),
    publicIpv4Hour: p(0.005, "address-hour", SRC.vpc),
    dnsFirewallQueries1m: p(0.6, "1,000,000 queries processed", SRC.route53),
    dnsFirewallDomainMonth: p(0.002, "domain-month", SRC.route53),
    instanceHour: hourly({
        "t3.small": 0.0208,
        "t3.medium": 0.0416,
        "t3.large": 0.0832,
        "t3.xlarge": 0.1664,
    }),
    ebsGp3GbMonth: p(0.08, "gp3 GB-month", SRC.ebs),
    airlock: {
        sfnTransitions1k: p(0.025, "1,000 state transitions", SRC.stepFunctions),
        lambdaRequests1m: p(0.2, "1,000,000 requests", SRC.lambda),
        lambdaGbSecond: p(0.0000166667, "GB-second", SRC.lambda),
        eventBridgeAwsEvent: p(0, "AWS service event", SRC.eventBridge),
        malwareScanGb: p(0.09, "GB scanned", SRC.guardDuty),
        malwareObjects1k: p(0.215, "1,000 objects evaluated", SRC.guardDuty),
    },
};

/** EU (Ireland): endpoints, NAT and CloudWatch Logs ingestion cost more than in us-east-1. */
const EU_WEST_1: RegionPrices = {
    ...US,
    listedFor: "eu-west-1",
    asOf: `${PRICES_AS_OF} (not re-read)`,
    interfaceEndpointAzHour: p(0.011, "endpoint-AZ-hour", SRC.privatelink),
    cloudwatchLogsIngestGb: p(0.57, "GB ingested", SRC.cloudwatch),
    natGatewayHour: p(0.048, "gateway-hour", SRC.vpc),
    natGatewayGb: p(0.048, "GB processed", SRC.vpc),
    instanceHour: hourly({
        "t3.small": 0.0228,
        "t3.medium": 0.0456,
        "t3.large": 0.0912,
        "t3.xlarge": 0.1824,
        "m6i.large": 0.107,
        "m6i.xlarge": 0.214,
        "c6i.large": 0.096,
        "r6i.large": 0.141,
    }),
    ebsGp3GbMonth: p(0.088, "gp3 GB-month", SRC.ebs),
    // Step Functions lists Europe (Ireland) at $0.0250; the Lambda and GuardDuty figures read were US East's only.
    airlock: {
        sfnTransitions1k: p(0.025, "1,000 state transitions", SRC.stepFunctions),
        lambdaRequests1m: null,
        lambdaGbSecond: null,
        eventBridgeAwsEvent: p(0, "AWS service event", SRC.eventBridge),
        malwareScanGb: null,
        malwareObjects1k: null,
    },
};

export const PRICES: Readonly<Record<string, RegionPrices>> = {
    "us-east-1": US,
    "us-west-2": US,
    "eu-west-1": EU_WEST_1,
};

/** Invalid input: the plan's region has no prices in this table. */
export class UnknownRegionError extends Error {
    constructor(readonly region: string) {
        super(
            `no prices for region "${region}" in cost/prices.ts (known: ${Object.keys(PRICES).join(", ")}). Fix: add the region's list prices with their source page and date, or plan in a known region.`,
        );
        this.name = "UnknownRegionError";
    }
}

export function pricesFor(region: string): RegionPrices {
    const prices = PRICES[region];
    if (!prices) throw new UnknownRegionError(region);
    return prices;
}

/**
 * An instance type with no price in this table. An UnknownRegionError on purpose: every caller that reports an
 * unpriced region ("not estimated: ...") reports this the same way, and nothing is guessed.
 */
export class UnknownInstanceTypeError extends UnknownRegionError {
    constructor(
        region: string,
        readonly instanceType: string,
    ) {
        super(region);
        this.message = `no price for instance type "${instanceType}" in ${region} in cost/prices.ts (known: ${Object.keys(pricesFor(region).instanceHour).join(", ")}). Fix: add its on-demand price with the source page and date, or choose a listed type.`;
        this.name = "UnknownInstanceTypeError";
    }
}
