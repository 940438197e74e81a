// Tag keys and the values the tooling relies on. Tags are how an operator (and the runbook's tag scan) finds a
// vendor's resources when the Pulumi state is lost, so every room spells them from here.

export const TAG = {
    vendor: "enclave:vendor",
    managedBy: "enclave:managed-by",
    dataset: "enclave:dataset",
    access: "enclave:access",
    role: "enclave:role",
    /** On an instance the containment step isolated: the incident id. */
    isolated: "enclave:isolated",
    /** On evidence (EBS snapshots): the incident id it was taken for. */
    incident: "enclave:incident",
    /** On the export airlock's resources: which part (outbox, released, control, role, handler, ...). */
    airlock: "enclave:airlock",
} as const;

/** `enclave:managed-by` on every resource this project creates. */
export const MANAGED_BY = "vendor-enclaves";

/** The security stack's name, and the `enclave:vendor` value of its resources. */
export const SECURITY_STACK = "security";

/** `enclave:role` of the log archive's resources. */
export const LOG_ARCHIVE_ROLE = "log-archive";

/**
 * `enclave:role` of an account-mode enclave's log replication role (components/memberLogs.ts): S3 assumes it, no
 * person does, and it keeps replicating logs while the vendor side is sealed, so the seal's checks leave it out.
 */
export const LOG_REPLICATION_ROLE = "log-replication";
