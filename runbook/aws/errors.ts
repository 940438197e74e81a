import { CliError } from "../../contract/errors";

// The SDK throws typed errors whose `name` is AWS's error code. The runbook needs four answers from them: the thing
// is gone (a read returns null), we may not look (say so, naming the resource and the action), AWS is throttling
// (the SDK has already retried), or the credentials are unusable (stop everything: no later call can succeed).

export type AwsErrorKind = "not-found" | "access-denied" | "throttled" | "credentials" | "other";

const NOT_FOUND = new Set([
    "NoSuchEntity",
    "NoSuchEntityException",
    "NotFoundException",
    "NoSuchBucket",
    "NoSuchBucketPolicy",
    "NoSuchKey",
    "NotFound",
    "ResourceNotFoundException",
    "InvalidVpcEndpointId.NotFound",
    "InvalidVpcID.NotFound",
    "InvalidInstanceID.NotFound",
    "InvalidVolume.NotFound",
    "InvalidGroup.NotFound",
    "InvalidSnapshot.NotFound",
    "InvalidNetworkInterfaceID.NotFound",
]);
const ACCESS_DENIED = new Set(["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Forbidden", "AllAccessDisabled", "AuthorizationError"]);
const THROTTLED = new Set([
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
    "ProvisionedThroughputExceededException",
]);
const CREDENTIALS = new Set([
    "CredentialsProviderError",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "AuthFailure",
    "TokenRefreshRequired",
    "InvalidToken",
]);

export function errorName(err: unknown): string {
    if (err && typeof err === "object") {
        const e = err as { name?: unknown; Code?: unknown; code?: unknown };
        for (const v of [e.name, e.Code, e.code]) if (typeof v === "string" && v && v !== "Error") return v;
    }
    return "Error";
}

export function errorKind(err: unknown): AwsErrorKind {
    const name = errorName(err);
    if (NOT_FOUND.has(name)) return "not-found";
    if (ACCESS_DENIED.has(name)) return "access-denied";
    if (THROTTLED.has(name)) return "throttled";
    if (CREDENTIALS.has(name)) return "credentials";
    return "other";
}

const firstLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split("\n")[0].trim();

/** A failed AWS call, said in one line that names the resource and the action. */
export class AwsCallError extends CliError {
    constructor(
        readonly resource: string,
        readonly action: string,
        readonly code: string,
        readonly kind: AwsErrorKind,
        message: string,
    ) {
        super(message);
        this.name = "AwsCallError";
    }
}

/** The one line for a failed call on `resource` (e.g. "bucket x"), `action` as IAM spells it (e.g. "s3:GetBucketPolicy"). */
export function describeAwsError(resource: string, action: string, err: unknown): string {
    const name = errorName(err);
    const detail = firstLine(err);
    const why = detail && detail !== name ? `${name}: ${detail}` : name;
    switch (errorKind(err)) {
        case "not-found":
            return `${resource}: not found (${action}: ${why})`;
        case "access-denied":
            return `${resource}: access denied to ${action} (${why}); run as the deployer role of the enclave's account`;
        case "throttled":
            return `${resource}: ${action} still throttled after the SDK's retries (${why}); rerun in a minute`;
        case "credentials":
            return `no usable AWS credentials for ${action} on ${resource} (${why}): sign in as the deployer role`;
        default:
            return `${resource}: ${action} failed (${why})`;
    }
}

/** Wraps any failure of `call` into an AwsCallError (a CliError: one line, no stack trace). */
export async function awsCall<T>(resource: string, action: string, call: () => Promise<T>): Promise<T> {
    try {
        return await call();
    } catch (err) {
        if (err instanceof AwsCallError) throw err;
        throw new AwsCallError(resource, action, errorName(err), errorKind(err), describeAwsError(resource, action, err));
    }
}

/** As awsCall, but "the resource does not exist" is an answer: null. */
export async function orNull<T>(resource: string, action: string, call: () => Promise<T>): Promise<T | null> {
    try {
        return await call();
    } catch (err) {
        if (errorKind(err) === "not-found") return null;
        throw new AwsCallError(resource, action, errorName(err), errorKind(err), describeAwsError(resource, action, err));
    }
}
