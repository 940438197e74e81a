import pc from "picocolors";
import type { Plan } from "../plan/types";
import { defaultAwsxVpcInventory, estimateInventory, estimatePlan, type CostEstimate } from "./estimate";
import { UnknownRegionError } from "./prices";

const count = (n: number): string => n.toLocaleString("en-US");
export const usd = (n: number): string => `$${n.toFixed(2)}`;

/** The short block `enclave plan` prints under the summary: total, fixed vs usage, awsx comparison, assumptions. */
export function renderCost(plan: Plan): string {
    let est: CostEstimate;
    try {
        est = estimatePlan(plan);
    } catch (err) {
        if (err instanceof UnknownRegionError) return `${pc.bold("Monthly cost estimate")}\nnot estimated: ${err.message}`;
        throw err;
    }
    const awsx = estimateInventory(defaultAwsxVpcInventory(est.region));
    const a = est.assumptions;
    const airlock = est.lines.some((l) => l.area === "airlock") || est.notPriced.length > 0;
    const lines = [
        pc.bold(`Monthly cost estimate (${est.region}): list prices for ${est.pricesListedFor} as of ${est.pricesAsOf}, cost/prices.ts`),
        `total ${pc.bold(usd(est.totalUsd))}/month = fixed ${usd(est.fixedUsd)} + usage ${usd(est.usageUsd)}`,
        `by area: network ${usd(est.byArea.network)}, key ${usd(est.byArea.key)}, data ${usd(est.byArea.data)}, audit ${usd(est.byArea.audit)}${est.byArea.workspace ? `, workspace ${usd(est.byArea.workspace)}` : ""}${airlock ? `, airlock ${usd(est.byArea.airlock)}` : ""}`,
        ...est.lines.filter((l) => l.usd > 0).map((l) => `  ${l.kind.padEnd(5)} ${usd(l.usd).padStart(8)}  ${l.item}`),
        ...(est.notPriced.length
            ? [`  not priced in ${est.region} (no confirmed list price in cost/prices.ts, left out of the total): ${est.notPriced.join(", ")}`]
            : []),
        `network vs a default awsx VPC (3 AZs, 3 NAT gateways + EIPs, IGW, no endpoints, no flow logs, no DNS Firewall): ${usd(est.byArea.network)} vs ${usd(awsx.totalUsd)} (fixed ${usd(awsx.fixedUsd)}, NAT data ${usd(awsx.usageUsd)})`,
        pc.dim(
            `assumptions per month: ${count(a.s3RequestsPerMonth)} S3 object requests (${a.s3PutShare * 100}% PUT/LIST), ${a.gbStoredPerDataset} GB per dataset, ${count(a.kmsRequestsPerKey)} KMS requests per key, ` +
                `${a.flowLogGbPerMonth} GB flow logs, ${count(a.dnsQueriesPerMonth)} DNS queries and ${a.dnsQueryLogGbPerMonth} GB query logs per VPC, ${a.accessLogGbPerBucket} GB access logs per bucket, ${a.workloadLogGbIngested} GB workload logs in / ${a.workloadLogGbStored} GB held, ` +
                `${a.interfaceEndpointGb} GB per interface endpoint, ${a.vpcToAwsGb} GB VPC-to-AWS traffic` +
                (airlock
                    ? `, airlock: ${count(a.airlockExportsPerMonth)} exports of ${a.airlockMbPerExport} MB (${a.airlockScanPollsPerExport} scan polls each), ${count(a.airlockFingerprintsPerMonth)} dataset objects fingerprinted, ${a.airlockSecondsPerCall} s per handler call`
                    : "") +
                `; 730 h/month; taxes, data transfer out and free tiers ignored`,
        ),
    ];
    return lines.join("\n");
}
