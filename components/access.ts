import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { sealEntry } from "../contract/seal";
import { render } from "../iam/document";
import { vendorNames } from "../iam/names";
import { sealRolePolicy, vendorRolePolicy, workloadRolePolicy, type VendorPolicyInputs } from "../iam/vendor";

export interface EnclaveAccessArgs {
    vendorId: string;
    vendorRole: aws.iam.Role;
    workloadRole: aws.iam.Role;
    inputs: pulumi.Output<VendorPolicyInputs>;
    /** Sealed: each role also carries the seal policy (deny-all, revoke older sessions). */
    sealed: boolean;
    sealedAt?: string;
}

/**
 * What the vendor-side roles may do: dataset grants by intent, key use through S3 and the network condition. Separate
 * role-policy resources (no inline policies on the roles) because these documents name the key and the endpoint,
 * which are created after the roles.
 *
 * The seal's deny-all lives in its own inline policy per role, which exists only while sealed. Its inputs are the
 * role's name as a static string and the seal time, so it waits for no other resource (the role's trust-policy update,
 * the key, the endpoint) and nothing waits for it: a failure anywhere else cannot hold it back. It exists only while
 * sealed because an always-present one would have to wait for its role on a first deploy (IAM refuses a policy for a
 * role that does not exist yet), and that wait would hold it back on every seal too; created by a seal, its role
 * exists already. Pulumi's create of it is a PutRolePolicy, so a seal that put the same document first with the AWS
 * SDK is left unchanged. deletedWith: a destroy removes it with its role (forceDetachPolicies), never before it.
 */
export class EnclaveAccess extends pulumi.ComponentResource {
    readonly vendorPolicy: aws.iam.RolePolicy;
    readonly workloadPolicy: aws.iam.RolePolicy;
    readonly sealPolicies: aws.iam.RolePolicy[];

    constructor(name: string, args: EnclaveAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("enclave:vendor:Access", name, {}, opts);
        const names = vendorNames(args.vendorId);
        this.vendorPolicy = new aws.iam.RolePolicy(
            `${name}-vendor-policy`,
            { name: names.accessPolicy, role: args.vendorRole.name, policy: args.inputs.apply((p) => render(vendorRolePolicy(p))) },
            { parent: this },
        );
        this.workloadPolicy = new aws.iam.RolePolicy(
            `${name}-workload-policy`,
            { name: names.accessPolicy, role: args.workloadRole.name, policy: args.inputs.apply((p) => render(workloadRolePolicy(p))) },
            { parent: this },
        );
        // The URN names come from the seal catalogue: the runbook's preview guard admits exactly their create and delete.
        const [vendorSeal, workloadSeal] = sealEntry("sealPolicy").resourceNames!(args.vendorId);
        this.sealPolicies = args.sealed
            ? [
                  [vendorSeal, names.vendorRole, args.vendorRole],
                  [workloadSeal, names.workloadRole, args.workloadRole],
              ].map(
                  ([resourceName, roleName, role]) =>
                      new aws.iam.RolePolicy(
                          resourceName as string,
                          { name: names.sealPolicy, role: roleName as string, policy: render(sealRolePolicy(args.sealedAt ?? "")) },
                          { parent: this, deletedWith: role as aws.iam.Role },
                      ),
              )
            : [];
        this.registerOutputs({});
    }
}
