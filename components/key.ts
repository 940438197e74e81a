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
    /**
     * The roles the key policy names: KMS refuses a key policy whose principals do not exist yet. The policy names them
     * by derived ARN (no Output), so the order must be explicit, on the key itself: a component's dependsOn is not
     * inherited by its children.
     */
    principals: pulumi.Resource[];
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
            { parent: this, dependsOn: args.principals },
        );
        this.alias = new aws.kms.Alias(`${name}-alias`, { name: args.alias, targetKeyId: this.key.keyId }, { parent: this });
        this.registerOutputs({ keyArn: this.key.arn });
    }
}
