import { GetCallerIdentityCommand, type STSClient } from "@aws-sdk/client-sts";
import { CliError } from "../../contract/errors";
import type { CallerIdentity } from "../types";
import { awsCall, errorKind } from "./errors";

export async function callerIdentity(sts: STSClient): Promise<CallerIdentity> {
    try {
        const r = await sts.send(new GetCallerIdentityCommand({}));
        return { account: r.Account ?? "", arn: r.Arn ?? "" };
    } catch (err) {
        // No credentials at all surfaces here first: CredentialsProviderError, before any request is sent.
        if (errorKind(err) === "credentials" || errorKind(err) === "access-denied") {
            const why = (err instanceof Error ? err.message : String(err)).split("\n")[0];
            throw new CliError(`no usable AWS credentials (${why}): sign in as the deployer role of the enclave's account`);
        }
        return awsCall("caller identity", "sts:GetCallerIdentity", () => Promise.reject(err));
    }
}

/**
 * Every write of the runbook's AWS primitives starts here: credentials for another account (a second SSO profile
 * left exported) would act on someone else's resources, or fail half-way with confusing errors.
 */
export async function requireAccount(sts: STSClient, expected: string, what: string): Promise<CallerIdentity> {
    const id = await callerIdentity(sts);
    if (id.account !== expected) {
        throw new CliError(`the AWS credentials are for account ${id.account} (${id.arn}); ${what} is in ${expected}: use the deployer role of that account`);
    }
    return id;
}
