import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { render } from "../iam/document";
import type { Tags } from "../iam/names";
import { vendorKeyPolicy, type VendorPolicyBase } from "../iam/vendor";

export interface EnclaveKeyArgs {
    vendorId: string;
    alias: string;
    base: pulumi.Output<VendorPolicyBase>;
    deletionWindowDays: number;
    /** Sealed: the key is disabled (reversible), and the key policy denies the vendor roles. */
    sealed: boolean;
    tags: Tags;
}

/** One customer-managed key per vendor: crypto-shredding the vendor's data is scheduling this key's deletion. */
export class EnclaveKey extends pulumi.ComponentResource {
    readonly key: aws.kms.Key;
    readonly alias: aws.kms.Alias;

    constructor(name: string, args: EnclaveKeyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("enclave:vendor:Key", name, {}, opts);
        this.key = new aws.kms.Key(
            `${name}-key`,
            {
                description: `Vendor enclave data key for ${args.vendorId}`,
                enableKeyRotation: true,
                deletionWindowInDays: args.deletionWindowDays,
                isEnabled: !args.sealed,
                policy: args.base.apply((p) => render(vendorKeyPolicy(p))),
                tags: args.tags,
            },
            // No dependsOn on the roles: the key policy names them only in aws:PrincipalArn conditions, which KMS does not
            // validate, so neither a first deploy nor a seal has to wait for a role.
            { parent: this },
        );
        this.alias = new aws.kms.Alias(`${name}-alias`, { name: args.alias, targetKeyId: this.key.keyId }, { parent: this });
        this.registerOutputs({ keyArn: this.key.arn });
    }
}
