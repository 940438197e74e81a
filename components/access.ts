import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { render } from "../iam/document";
import { vendorRolePolicy, workloadRolePolicy, type VendorPolicyInputs } from "../iam/vendor";

export interface EnclaveAccessArgs {
    vendorRole: aws.iam.Role;
    workloadRole: aws.iam.Role;
    inputs: pulumi.Output<VendorPolicyInputs>;
}

/**
 * What the vendor-side roles may do: dataset grants by intent, key use through S3, the network condition and, when
 * sealed, the deny-all and revoke-older-sessions statements. Separate role-policy resources (no inline policies on
 * the roles) because these documents name the key and the endpoint, which are created after the roles.
 */
export class EnclaveAccess extends pulumi.ComponentResource {
    readonly vendorPolicy: aws.iam.RolePolicy;
    readonly workloadPolicy: aws.iam.RolePolicy;

    constructor(name: string, args: EnclaveAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("enclave:vendor:Access", name, {}, opts);
        this.vendorPolicy = new aws.iam.RolePolicy(
            `${name}-vendor-policy`,
            { name: "enclave-access", role: args.vendorRole.name, policy: args.inputs.apply((p) => render(vendorRolePolicy(p))) },
            { parent: this },
        );
        this.workloadPolicy = new aws.iam.RolePolicy(
            `${name}-workload-policy`,
            { name: "enclave-access", role: args.workloadRole.name, policy: args.inputs.apply((p) => render(workloadRolePolicy(p))) },
            { parent: this },
        );
        this.registerOutputs({});
    }
}
