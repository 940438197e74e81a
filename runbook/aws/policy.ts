import { parsePolicyDocument } from "../../iam/document";
import type { PolicyJson } from "../types";
import { AwsCallError } from "./errors";

/** IAM returns its documents URL-encoded (RFC 3986); S3, KMS and EC2 return plain JSON. Accept both. */
export function parsePolicy(resource: string, doc: string | undefined): PolicyJson {
    const raw = doc ?? "";
    const text = raw.trim().startsWith("{") ? raw : decodeURIComponent(raw);
    const parsed = parsePolicyDocument(text);
    if (!parsed)
        throw new AwsCallError(
            resource,
            "parse",
            "MalformedPolicy",
            "other",
            `${resource}: AWS returned a policy that is not a policy document: ${text.slice(0, 80)}`,
        );
    return parsed as unknown as PolicyJson;
}
