import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { render } from "../iam/document";
import type { Tags } from "../iam/names";
import { boundaryPolicy, vendorTrustPolicy, workloadTrustPolicy, type VendorPolicyBase } from "../iam/vendor";

export interface EnclaveIdentityArgs {
    names: { vendorRole: string; workloadRole: string; boundaryPolicy: string; instanceProfile: string };
    /** The policy inputs known before any resource exists; the external ID is filled in here. */
    base: pulumi.Output<Omit<VendorPolicyBase, "externalId">>;
    /** Given by the vendor, or generated as a secret. */
    externalId?: string;
    maxSessionSeconds: number;
    tags: Tags;
}

/** Who can act inside the enclave: the vendor role, the workload role and its instance profile, and their boundary. */
export class EnclaveIdentity extends pulumi.ComponentResource {
    readonly vendorRole: aws.iam.Role;
    readonly workloadRole: aws.iam.Role;
    readonly instanceProfile: aws.iam.InstanceProfile;
    readonly boundary: aws.iam.Policy;
    /** Secret: the vendor needs it to assume its role. */
    readonly externalId: pulumi.Output<string>;
    /**
     * Policy base with the external ID resolved. Deliberately NOT secret as a whole: only the vendor trust policy
     * contains the external ID (and is marked secret below); every other document (boundary, key, bucket, endpoint,
     * role policies) must stay readable in previews and plans, or no reviewer or simulator can check it.
     */
    readonly policyBase: pulumi.Output<VendorPolicyBase>;

    constructor(name: string, args: EnclaveIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("enclave:vendor:Identity", name, {}, opts);
        const child = { parent: this };

        // Generated with special characters off: AWS accepts [\w+=,.@:/-] in sts:ExternalId, and vendors paste it into
        // SDK configs where quoting mistakes are common.
        this.externalId = args.externalId
            ? pulumi.secret(args.externalId)
            : pulumi.secret(new random.RandomPassword(`${name}-external-id`, { length: 32, special: false }, child).result);
        this.policyBase = pulumi.unsecret(pulumi.all([args.base, this.externalId]).apply(([b, externalId]) => ({ ...b, externalId })));

        this.boundary = new aws.iam.Policy(
            `${name}-boundary`,
            {
                name: args.names.boundaryPolicy,
                description: "Permissions boundary: the most a vendor-side role of this enclave can ever do.",
                policy: this.policyBase.apply((p) => render(boundaryPolicy(p))),
                tags: args.tags,
            },
            child,
        );
        this.vendorRole = new aws.iam.Role(
            `${name}-vendor-role`,
            {
                name: args.names.vendorRole,
                description: "Assumed by the vendor's own principals with the external ID.",
                assumeRolePolicy: pulumi.secret(this.policyBase.apply((p) => render(vendorTrustPolicy(p)))),
                maxSessionDuration: args.maxSessionSeconds,
                permissionsBoundary: this.boundary.arn,
                forceDetachPolicies: true,
                tags: args.tags,
            },
            child,
        );
        this.workloadRole = new aws.iam.Role(
            `${name}-workload-role`,
            {
                name: args.names.workloadRole,
                description: "For compute placed inside the enclave; usable only through the enclave's endpoint.",
                assumeRolePolicy: this.policyBase.apply((p) => render(workloadTrustPolicy(p))),
                maxSessionDuration: 3600,
                permissionsBoundary: this.boundary.arn,
                forceDetachPolicies: true,
                tags: args.tags,
            },
            child,
        );
        this.instanceProfile = new aws.iam.InstanceProfile(
            `${name}-workload-profile`,
            { name: args.names.instanceProfile, role: this.workloadRole.name, tags: args.tags },
            child,
        );
        this.registerOutputs({ vendorRoleArn: this.vendorRole.arn, workloadRoleArn: this.workloadRole.arn, boundaryArn: this.boundary.arn });
    }
}
