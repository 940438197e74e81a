// leakCheck (task): before any person sees an export, compares it with the fingerprint index of the vendor's datasets
// and the canary tokens. A blocked export ends here, and its record names the dataset, the object and the score.
import { SCAN_CLEAN } from "../../contract/airlock";
import { IntegrityError, RequestStateError } from "../errors";
import { sha256hex } from "../approval";
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
        const verdict = deps.leakCheck(bytes, index, canaries);
        const leak = { ...verdict, at: iso(deps.now()) };
        deps.log(`request ${request.requestId}: leak check ${verdict.verdict}`, {
            requestId: request.requestId,
            ...verdict,
            indexEntries: index.length,
            canaries: canaries.length,
        });
        if (verdict.verdict === "blocked") {
            await advance(
                deps,
                store,
                request,
                "blocked-leak",
                { leak },
                { reason: verdict.reason, dataset: verdict.dataset, datasetKey: verdict.key, score: verdict.score },
            );
            return { requestId: request.requestId, leak: "blocked" };
        }
        await advance(deps, store, request, "scanning", { leak });
        return { requestId: request.requestId, leak: "clean" };
    };
}

export const handler = makeHandler(defaultDeps());
