// Typed failures of the airlock's handlers. The error's name is what Step Functions matches in a Retry or Catch (a
// Lambda task fails with `errorType` = the name), so each name is stable and says what a rerun can change.

export class AirlockError extends Error {
    constructor(message: string) {
        super(message);
        this.name = new.target.name;
    }
}

/** The function's environment is incomplete or malformed: a deployment fault, no rerun fixes it. */
export class AirlockConfigError extends AirlockError {}

/** An event or task input that is not what the airlock's wiring sends. */
export class AirlockInputError extends AirlockError {}

/** No request record under that id in the control bucket. */
export class RequestNotFoundError extends AirlockError {
    constructor(readonly requestId: string) {
        super(`no airlock request ${requestId} in the control bucket`);
    }
}

/** The pinned object version no longer hashes to the SHA-256 taken at submission, or its tag no longer says so. */
export class IntegrityError extends AirlockError {}

/** The step does not apply to the request's state (it was cancelled, decided or released meanwhile). */
export class RequestStateError extends AirlockError {}

/**
 * The request record changed between this handler's read and its conditional write (S3's If-Match answered 412):
 * another handler moved the request meanwhile. Nothing was overwritten; a rerun reads the record again.
 */
export class RecordChangedError extends AirlockError {
    constructor(
        readonly requestId: string,
        readonly wanted: string,
    ) {
        super(`request ${requestId}: the record changed while this step was writing ${wanted}; nothing was overwritten`);
    }
}

/** S3 denied the copy into the released bucket: while the vendor is sealed its policy freezes every put. Retryable. */
export class ReleaseDeniedError extends AirlockError {}

/** An AWS SDK error's name (`NoSuchKey`, `AccessDenied`, ...) and HTTP status, whatever the client. */
export function awsError(err: unknown): { name: string; status?: number } {
    const e = err as { name?: unknown; Code?: unknown; $metadata?: { httpStatusCode?: number } };
    return { name: String(e?.name ?? e?.Code ?? ""), status: e?.$metadata?.httpStatusCode };
}

export const isNotFound = (err: unknown) => {
    const { name, status } = awsError(err);
    return name === "NoSuchKey" || name === "NotFound" || (status === 404 && name !== "NoSuchBucket");
};
export const isPreconditionFailed = (err: unknown) => {
    const { name, status } = awsError(err);
    return name === "PreconditionFailed" || status === 412;
};
export const isAccessDenied = (err: unknown) => {
    const { name, status } = awsError(err);
    return name === "AccessDenied" || name === "AccessDeniedException" || status === 403;
};
