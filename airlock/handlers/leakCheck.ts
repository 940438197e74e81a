// leakCheck (task): before any person sees an export, compares it with the fingerprint index of the vendor's datasets
// and the canary tokens. A blocked export ends here, and its record names the dataset, the object and the score. The
// index must cover every object version of every readable dataset (airlock/coverage.ts): when it does not, and the gap
// is too big to fingerprint on the spot, the export is blocked as `index-incomplete` naming the dataset and the count.
import { SCAN_CLEAN } from "../../contract/airlock";
import { IntegrityError, RequestStateError } from "../errors";
import { sha256hex } from "../approval";
import { coverage, indexVersion, inlineable, worstGap } from "../coverage";
import type { LeakVerdict } from "../fingerprint";
import { bucketName } from "../../iam/names";
import { advance, defaultDeps, iso, loadRequest, storeOf, taskInput, type AirlockDeps } from "./common";

export interface LeakCheckOutput {
    requestId: string;
    leak: "clean" | "blocked";
}

export function makeHandler(deps: AirlockDeps) {
    return async (event: unknown): Promise<LeakCheckOutput> => {
        const input = taskInput(event);
        const store = storeOf(deps);
        const request = await loadRequest(store, input.requestId);
        if (request.state === "blocked-leak") return { requestId: request.requestId, leak: "blocked" };
        if (request.state !== "scanning" || request.scan?.status !== SCAN_CLEAN)
            throw new RequestStateError(
                `request ${request.requestId} is ${request.state} with scan ${request.scan?.status ?? "none"}: the leak check runs after a clean scan only`,
            );
        const { bytes } = await store.readVersion("outbox", request.key, request.versionId);
        if (sha256hex(bytes) !== request.sha256)
            throw new IntegrityError(`request ${request.requestId}: ${request.key} version ${request.versionId} no longer hashes to its pinned SHA-256`);
        const [index, canaries] = await Promise.all([store.readIndex(), store.readCanaries()]);
        // Fail closed on what the index misses: every object version of every readable dataset must have its entry.
        // A few small missing ones are fingerprinted here; more, or bigger, block the request before review.
        const env = deps.env();
        const datasets = env.readableDatasets.map((dataset) => ({ dataset, bucket: bucketName(env.vendorId, dataset, env.accountId) }));
        const cov = await coverage(store, datasets, index);
        let indexedNow = 0;
        if (inlineable(cov))
            for (const c of cov)
                for (const v of c.missing) {
                    const { entry, indexKey } = await indexVersion(store, c, v);
                    index.push(entry);
                    indexedNow++;
                    deps.log(`request ${request.requestId}: indexed ${c.bucket}/${v.key} version ${v.versionId} on the spot`, {
                        requestId: request.requestId,
                        dataset: c.dataset,
                        key: v.key,
                        versionId: v.versionId,
                        indexKey,
                    });
                }
        const gap = indexedNow > 0 ? undefined : worstGap(cov);
        let verdict: LeakVerdict = deps.leakCheck(bytes, index, canaries);
        // A match found in what is indexed is the stronger finding; a clean result over an incomplete index is none.
        if (verdict.verdict === "clean" && gap)
            verdict = {
                verdict: "blocked",
                reason: "index-incomplete",
                dataset: gap.dataset,
                missing: gap.missing.length,
                ...(gap.truncated ? { missingAtLeast: true } : {}),
            };
        const leak = { ...verdict, at: iso(deps.now()) };
        deps.log(`request ${request.requestId}: leak check ${verdict.verdict}`, {
            requestId: request.requestId,
            ...verdict,
            indexEntries: index.length,
            indexedNow,
            coverage: cov.map((c) => ({ dataset: c.dataset, listed: c.listed, missing: c.missing.length, truncated: c.truncated })),
            canaries: canaries.length,
        });
        if (verdict.verdict === "blocked") {
            await advance(
                deps,
                store,
                request,
                "blocked-leak",
                { leak },
                verdict.reason === "index-incomplete"
                    ? {
                          reason: verdict.reason,
                          dataset: verdict.dataset,
                          missing: verdict.missing,
                          ...(verdict.missingAtLeast ? { missingAtLeast: true } : {}),
                      }
                    : { reason: verdict.reason, dataset: verdict.dataset, datasetKey: verdict.key, score: verdict.score },
            );
            return { requestId: request.requestId, leak: "blocked" };
        }
        await advance(deps, store, request, "scanning", { leak });
        return { requestId: request.requestId, leak: "clean" };
    };
}

export const handler = makeHandler(defaultDeps());
