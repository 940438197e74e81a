import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import type { ReindexLine, ReindexResult } from "../../airlock/coverage";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import Table from "cli-table3";
import * as path from "node:path";
import type { AirlockOptions } from "./options";
import { slotOf } from "../../airlock/approval";
import { isFinal } from "../../airlock/lifecycle";
import { AirlockStore } from "../../airlock/store";
import { AIRLOCK_REQUIRED_APPROVALS, airlockNames, type AirlockRequest, type Decision } from "../../contract/airlock";
import { CliError, EXIT } from "../../contract/errors";
import { isAccessDenied } from "../../airlock/errors";

/** What the commands need from the vendor's spec. */
export interface AirlockSettings {
    vendorId: string;
    accountId: string;
    region: string;
    approvers: string[];
    /** Where the settings came from, for messages. */
    file: string;
}

export interface AirlockCliDeps {
    settings: AirlockSettings;
    s3: S3Client;
    sts: STSClient;
    /** `reindex` only: it invokes the airlock's fingerprint function. */
    lambda?: LambdaClient;
    out: (text: string) => void;
}

const REQUEST_ID = /^[0-9a-f]{20}$/;
const MAX_REASON = 1000;

/** The airlock block of a loaded vendor spec; a spec without one has no airlock (it is opt-in). */
export function settingsFromSpec(spec: { id: string; account: { id: string; region: string } }, file: string): AirlockSettings {
    const airlock = (spec as unknown as { airlock?: { approvers?: unknown } }).airlock;
    const shown = path.relative(process.cwd(), file) || file;
    if (!airlock)
        throw new CliError(
            `${shown} has no airlock: the export airlock is opt-in. Fix: add an airlock block (approvers, recipient) to the spec.`,
            EXIT.invalidInput,
        );
    const approvers = airlock.approvers;
    if (!Array.isArray(approvers) || !approvers.every((a) => typeof a === "string"))
        throw new CliError(`${shown}: airlock.approvers is not a list of ARNs. Fix: list the approvers' IAM role or user ARNs.`, EXIT.invalidInput);
    return { vendorId: spec.id, accountId: spec.account.id, region: spec.account.region, approvers: approvers as string[], file: shown };
}

/** Real dependencies: the vendor's spec, SDK clients in its region (AWS_ENDPOINT_URL points them at an emulator). */
export async function realAirlockDeps(vendor: string, opts: AirlockOptions): Promise<AirlockCliDeps> {
    const { vendorFileById } = await import("../../config/select.js");
    const { loadVendorSpec } = await import("../../config/load.js");
    const file = opts.spec ? path.resolve(opts.spec) : vendorFileById(vendor);
    const spec = loadVendorSpec(file, opts.spec ? undefined : vendor);
    if (opts.spec && spec.id !== vendor)
        throw new CliError(`${opts.spec} is the spec of ${spec.id}, not ${vendor}. Fix: name ${spec.id} or give ${vendor}'s spec.`, EXIT.invalidInput);
    const settings = settingsFromSpec(spec, file);
    const endpoint = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
    const common = { region: settings.region, retryMode: "standard", maxAttempts: 5 } as const;
    return {
        settings,
        // An emulator or proxy rarely serves virtual-hosted bucket names: address buckets by path there.
        s3: new S3Client({ ...common, forcePathStyle: Boolean(endpoint) }),
        sts: new STSClient(common),
        lambda: new LambdaClient(common),
        out: (text) => process.stdout.write(text),
    };
}

/**
 * The spec approver the caller is, from STS's answer: an assumed-role session is its role (AWS drops the role's path
 * from the session ARN, so the match is by account and role name), an IAM user is its ARN. null: not an approver.
 */
export function approverOf(callerArn: string, approvers: readonly string[]): string | null {
    const session = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(callerArn);
    if (session) {
        const [, partition, account, role] = session;
        return (
            approvers.find((a) => new RegExp(`^arn:${partition}:iam::${account}:role/(?:[^/]+/)*${role.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`).test(a)) ??
            null
        );
    }
    return approvers.includes(callerArn) ? callerArn : null;
}

const storeOf = (deps: AirlockCliDeps) =>
    new AirlockStore(deps.s3, { control: airlockNames(deps.settings.vendorId, deps.settings.accountId).controlBucket }, deps.settings.vendorId);

/** The request as an approver sees it (the task token is never in the record: AIRLOCK_PREFIX.token). */
const visible = (r: AirlockRequest) => r;

export function checkRequestId(request: string | undefined): string {
    if (!request || !REQUEST_ID.test(request))
        throw new CliError(
            `"${request ?? ""}" is not a request id: an id is 20 hex digits. Fix: copy it from enclave airlock list <vendor>.`,
            EXIT.invalidInput,
        );
    return request;
}

async function loadOne(deps: AirlockCliDeps, requestId: string): Promise<AirlockRequest> {
    const r = await withAccess(deps, "read the request", () => storeOf(deps).getRequest(requestId));
    if (!r)
        throw new CliError(
            `${deps.settings.vendorId} has no airlock request ${requestId}. Fix: see enclave airlock list ${deps.settings.vendorId}.`,
            EXIT.invalidInput,
        );
    return r;
}

async function withAccess<T>(deps: AirlockCliDeps, what: string, fn: () => Promise<T>): Promise<T> {
    try {
        return await fn();
    } catch (err) {
        if (isAccessDenied(err))
            throw new CliError(
                `AWS denied the caller to ${what} in ${deps.settings.vendorId}'s airlock (${(err as Error).name}): run as one of its approvers.`,
            );
        throw err;
    }
}

function table(head: string[], rows: string[][]): string {
    const t = new Table({ head, style: { head: [], border: [] } });
    t.push(...rows);
    return `${t.toString()}\n`;
}

function renderRequest(r: AirlockRequest, approvers: readonly string[]): string {
    const rows: [string, string][] = [
        ["request", r.requestId],
        ["state", r.state],
        ["requester", `${r.requester} (${r.requesterArn})`],
        ["object", `${r.key} version ${r.versionId}`],
        ["sha256", r.sha256],
        ["size", `${r.size} bytes`],
        ["submitted", r.submittedAt],
        ["updated", r.updatedAt],
        ["scan", r.scan ? `${r.scan.status} at ${r.scan.at}` : "not yet"],
        [
            "leak check",
            r.leak
                ? `${r.leak.verdict}${r.leak.reason ? ` (${r.leak.reason}${r.leak.dataset ? `, dataset ${r.leak.dataset}` : ""}${r.leak.missing !== undefined ? `, ${r.leak.missingAtLeast ? "at least " : ""}${r.leak.missing} object versions not fingerprinted: run enclave airlock reindex ${r.vendorId}, then submit again` : ""}${r.leak.score !== undefined ? `, score ${r.leak.score}` : ""})` : ""} at ${r.leak.at}`
                : "not yet",
        ],
    ];
    for (const a of r.approvals ?? []) rows.push([a.decision === "approve" ? "approved by" : "rejected by", `${a.approverArn} at ${a.at}`]);
    if (r.releasedKey) rows.push(["released as", r.releasedKey]);
    if (r.reviewStuck)
        rows.push([
            "stopped",
            `at ${r.reviewStuck.at}: the review was answered or failed ${r.reviewStuck.rewaits} times by something other than the approvals (see its review-tampered records in the archive; find the SendTaskSuccess/SendTaskFailure callers in CloudTrail); nothing was released. Fix: the requester uploads ${r.key} again (a new version is a new request, scanned and reviewed from the start).`,
        ]);
    if (r.state === "in-review")
        rows.push(["needs", `${AIRLOCK_REQUIRED_APPROVALS} distinct approvers of ${approvers.length} (not the requester); one rejection rejects`]);
    const t = new Table({ style: { head: [], border: [] } });
    t.push(...rows);
    return `${t.toString()}\n`;
}

/** Invocations of one reindex run at most: each fingerprints for up to 13 minutes, a rerun resumes where it stopped. */
const MAX_REINDEX_INVOCATIONS = 50;

/**
 * The backfill: invokes the airlock's fingerprint function (it runs as the airlock role, the one identity that reads
 * every dataset version and writes the index) until no object version of a readable dataset is missing from the index.
 * One line per object; exit 1 when any failed (a rerun retries those only).
 */
async function runReindex(deps: AirlockCliDeps, opts: AirlockOptions) {
    const s = deps.settings;
    if (!deps.lambda) throw new CliError("reindex needs a Lambda client");
    const fn = airlockNames(s.vendorId, s.accountId).functions.fingerprint;
    const all: ReindexLine[] = [];
    let last: ReindexResult | undefined;
    for (let i = 0; i < MAX_REINDEX_INVOCATIONS; i++) {
        const r = await withAccess(deps, `invoke ${fn}`, () =>
            deps.lambda!.send(
                new InvokeCommand({ FunctionName: fn, InvocationType: "RequestResponse", Payload: Buffer.from(JSON.stringify({ reindex: true })) }),
            ),
        );
        const text = r.Payload ? Buffer.from(r.Payload).toString("utf8") : "";
        if (r.FunctionError) throw new CliError(`${fn} failed (${r.FunctionError}): ${text.slice(0, 500)}`);
        last = JSON.parse(text) as ReindexResult;
        all.push(...last.objects);
        if (!opts.json)
            for (const o of last.objects)
                deps.out(`${o.outcome.padEnd(7)} ${o.dataset}/${o.key} version ${o.versionId} (${o.size} bytes)${o.error ? `: ${o.error}` : ""}\n`);
        // Done, or no progress (every remaining object failed this round: the rerun is the operator's call).
        if (last.remaining === 0 || last.objects.length === 0) break;
    }
    const failed = all.filter((o) => o.outcome === "failed").length;
    const summary = {
        vendorId: s.vendorId,
        datasets: last?.datasets ?? [],
        indexed: all.filter((o) => o.outcome !== "failed").length,
        partial: all.filter((o) => o.outcome === "partial").length,
        failed,
        remaining: last?.remaining ?? 0,
        objects: all,
    };
    if (opts.json) deps.out(`${JSON.stringify(summary, null, 2)}\n`);
    else {
        for (const d of summary.datasets)
            deps.out(`${d.dataset}: ${d.listed} versions listed, ${d.covered} were already indexed${d.truncated ? " (listing cut at its bound)" : ""}\n`);
        deps.out(
            `${s.vendorId}: ${summary.indexed} indexed (${summary.partial} partial: bigger than the sketch cap), ${failed} failed, ${summary.remaining} not yet attempted.${failed || summary.remaining ? " Run it again to finish." : ""}\n`,
        );
    }
    if (failed || summary.remaining) process.exitCode = EXIT.failure;
}

export async function runAirlock(
    action: "list" | "show" | "approve" | "reject" | "reindex",
    vendor: string,
    request: string | undefined,
    opts: AirlockOptions,
    deps: AirlockCliDeps,
) {
    const s = deps.settings;
    if (vendor !== s.vendorId) throw new CliError(`the settings are ${s.vendorId}'s, not ${vendor}'s`, EXIT.invalidInput);
    if (action === "list") {
        const all = (await withAccess(deps, "list requests", () => storeOf(deps).listRequests())).sort((a, b) => b.submittedAt.localeCompare(a.submittedAt));
        if (opts.json) return deps.out(`${JSON.stringify(all.map(visible), null, 2)}\n`);
        if (all.length === 0) return deps.out(`${s.vendorId}: no export requests.\n`);
        const open = all.filter((r) => !isFinal(r.state)).length;
        deps.out(`${s.vendorId}: ${all.length} export request${all.length === 1 ? "" : "s"}, ${open} open.\n`);
        return deps.out(
            table(
                ["request", "state", "requester", "object", "size", "submitted"],
                all.map((r) => [r.requestId, r.state, r.requester, r.key, String(r.size), r.submittedAt]),
            ),
        );
    }
    if (action === "reindex") return runReindex(deps, opts);
    const requestId = checkRequestId(request);
    if (action === "show") {
        const r = await loadOne(deps, requestId);
        return deps.out(opts.json ? `${JSON.stringify(visible(r), null, 2)}\n` : renderRequest(r, s.approvers));
    }

    // approve / reject: who the caller is comes from AWS (STS), never from an argument.
    const decision: Decision = action === "approve" ? "approve" : "reject";
    const reason = opts.reason?.trim();
    if (action === "reject" && !reason) throw new CliError(`--reason is empty: a rejection says why. Fix: --reason "<why>".`, EXIT.invalidInput);
    if (reason && reason.length > MAX_REASON)
        throw new CliError(`--reason is longer than ${MAX_REASON} characters: got ${reason.length}. Fix: shorten it.`, EXIT.invalidInput);
    const caller = (await deps.sts.send(new GetCallerIdentityCommand({}))).Arn ?? "";
    const approver = approverOf(caller, s.approvers);
    if (!approver)
        throw new CliError(
            `${caller} is not an approver of ${s.vendorId}'s airlock (${s.file}: airlock.approvers ${s.approvers.join(", ")}). Fix: run as one of them.`,
            EXIT.invalidInput,
        );
    const r = await loadOne(deps, requestId);
    if (approver === r.requesterArn)
        throw new CliError(`${approver} submitted request ${requestId}: the requester cannot decide its own export.`, EXIT.invalidInput);
    if (r.state !== "in-review")
        throw new CliError(
            `request ${requestId} is ${r.state}, not in review: there is nothing to ${decision}${r.state === "submitted" || r.state === "scanning" ? " yet (the scan and the leak check come first)" : ""}.`,
            EXIT.invalidInput,
        );
    const key = await withAccess(deps, `write your decision on ${requestId}`, () =>
        storeOf(deps).putDecision(requestId, slotOf(approver), { decision, ...(reason ? { reason } : {}) }),
    );
    const result = { requestId, decision, approverArn: approver, callerArn: caller, key };
    if (opts.json) return deps.out(`${JSON.stringify(result, null, 2)}\n`);
    deps.out(
        decision === "approve"
            ? `Approved request ${requestId} as ${approver} (${key}). It is released once ${AIRLOCK_REQUIRED_APPROVALS} distinct approvers have approved and none rejected.\n`
            : `Rejected request ${requestId} as ${approver} (${key}). The request ends rejected; nothing is released.\n`,
    );
}
