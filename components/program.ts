import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { vendorTags, securityTags } from "../iam/names";
import type { SecuritySpec, VendorSpec } from "../config/schema";
import { VendorEnclave, type SecurityOutputs } from "./enclave";
import { LogArchive, securityStackOutputs } from "./logArchive";

/**
 * An explicit provider pinned to the spec's account: `pulumi up` with credentials for any other account fails before
 * anything is created, instead of building an enclave in the wrong place. Default tags back up the per-resource tags.
 */
function pinnedProvider(name: string, accountId: string, region: string, tags: Record<string, string>) {
    return new aws.Provider(name, { region: region as aws.Region, allowedAccountIds: [accountId], defaultTags: { tags } });
}

export function vendorProgram(spec: VendorSpec) {
    const provider = pinnedProvider(`${spec.id}-aws`, spec.account.id, spec.account.region, vendorTags(spec.id));
    const ref = new pulumi.StackReference(spec.securityStack);
    const security: SecurityOutputs = {
        archiveBucketName: ref.requireOutput("archiveBucketName") as pulumi.Output<string>,
        archiveBucketArn: ref.requireOutput("archiveBucketArn") as pulumi.Output<string>,
        accessLogBucketName: ref.requireOutput("accessLogBucketName") as pulumi.Output<string>,
        archiveKeyArn: ref.requireOutput("archiveKeyArn") as pulumi.Output<string>,
        deployerRoleArn: ref.requireOutput("deployerRoleArn") as pulumi.Output<string>,
        breakGlassRoleArn: ref.requireOutput("breakGlassRoleArn") as pulumi.Output<string>,
    };
    const enclave = new VendorEnclave(spec.id, { spec, security }, { providers: { aws: provider } });
    return {
        vendorId: spec.id,
        sealed: spec.sealed,
        sealedAt: spec.sealedAt ?? null,
        vendorRoleArn: enclave.identity.vendorRole.arn,
        workloadRoleArn: enclave.identity.workloadRole.arn,
        workloadInstanceProfile: enclave.identity.instanceProfile.name,
        externalId: enclave.identity.externalId,
        keyArn: enclave.key.key.arn,
        vpcId: enclave.network.vpc.id,
        s3EndpointId: enclave.network.s3Endpoint.id,
        buckets: Object.fromEntries(Object.entries(enclave.datasets).map(([name, d]) => [name, d.bucket.id])),
        trailArn: enclave.audit.trail.arn,
    };
}

/** `vendors`: the vendor specs of the security spec's stacks folder (their trails, prefixes and tripwires). */
export function securityProgram(spec: SecuritySpec, vendors: VendorSpec[] = []) {
    const provider = pinnedProvider("security-aws", spec.account.id, spec.account.region, securityTags());
    const archive = new LogArchive("security", { spec, vendors }, { providers: { aws: provider } });
    return securityStackOutputs(spec, archive);
}
