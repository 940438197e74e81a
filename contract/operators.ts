// The two roles no enclave may lock out (the deployer and break-glass), and where they live. The security stack names
// them by ARN in its own account. A shared-account enclave lives in that account, so those ARNs are its operators. An
// account-mode enclave lives in a member account, and a key or bucket policy there can only be administered by that
// account's principals (KMS and S3 take no cross-account PutKeyPolicy or PutBucketPolicy): its operators are the
// roles of the same names in the member account, which the organization stack's SCPs know by those names
// (deployerRoleName, breakGlassRoleName; config/load.ts refuses an organization or vendor spec that names others).
// Dependency-free: the program, the review harness and the CrossGuard pack derive them the same way.

export interface OperatorArns {
    deployerRoleArn: string;
    breakGlassRoleArn: string;
}

/** The account field of an ARN (`arn:aws:iam::<account>:role/...`). */
export const accountOfArn = (arn: string): string => arn.split(":")[4] ?? "";

/** The role name of a role ARN: the part after the last slash (a path is not part of the name). */
export const roleNameOfArn = (arn: string): string => arn.slice(arn.lastIndexOf("/") + 1);

/** The same IAM role (path and name) in another account. */
export function roleArnInAccount(arn: string, accountId: string): string {
    const parts = arn.split(":");
    if (parts.length < 6) return arn;
    parts[4] = accountId;
    return parts.join(":");
}

/** The operator roles of an enclave in `accountId`, from the security stack's operator ARNs. */
export function operatorsInAccount<O extends Partial<OperatorArns>>(ops: O, accountId: string): O {
    return {
        ...ops,
        ...(ops.deployerRoleArn !== undefined ? { deployerRoleArn: roleArnInAccount(ops.deployerRoleArn, accountId) } : {}),
        ...(ops.breakGlassRoleArn !== undefined ? { breakGlassRoleArn: roleArnInAccount(ops.breakGlassRoleArn, accountId) } : {}),
    };
}

/**
 * Account mode: the role the vendor stack's provider assumes in the member account, chosen by the spec's seal state.
 * While sealed the enclave's account sits in the Quarantine OU, whose SCP refuses every principal but break-glass: the
 * sealed reconcile (and any `pulumi up` of a sealed spec) acts as the member account's break-glass. Unsealed, the
 * deployer. The deployer is never exempted from the quarantine instead: its seal writes (role, bucket and key
 * policies) could as well write permissive documents and undo the quarantine from the deploy path.
 */
export function memberProviderRoleArn(sealed: boolean, memberOperators: OperatorArns): string {
    return sealed ? memberOperators.breakGlassRoleArn : memberOperators.deployerRoleArn;
}

/** The session name the member-account provider uses (CloudTrail shows it beside the role). */
export const memberProviderSessionName = (vendorId: string): string => `enclave-${vendorId}-deploy`;
