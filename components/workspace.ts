import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Tags } from "../iam/names";
import { sessionDocumentContent, SESSION_RUN_AS_USER } from "../iam/session";
import type { Workspace } from "../config/schema";
import { workspaceSlots } from "../config/workspace";

export interface EnclaveWorkspaceArgs {
    vendorId: string;
    workspace: Workspace;
    zones: string[];
    vpcId: pulumi.Input<string>;
    subnets: Record<string, aws.ec2.Subnet>;
    endpointSecurityGroupId: pulumi.Input<string>;
    /** The S3 gateway endpoint's prefix list: the only address range outside the VPC the instances may reach. */
    s3PrefixListId: pulumi.Input<string>;
    instanceProfileName: pulumi.Input<string>;
    keyArn: pulumi.Input<string>;
    documentName: string;
    logGroupName: string;
    archiveBucketName: pulumi.Input<string>;
    sessionLogPrefix: string;
    securityGroupName: string;
    tags: Tags;
}

/** The image as EC2 takes it: an SSM parameter path is resolved by EC2 at launch, so no lookup runs at plan time. */
export const imageReference = (image: string): string => (image.startsWith("ami-") ? image : `resolve:ssm:${image}`);

// The session user has no sudo: a session runs as it (the document's runAsDefaultUser), never as root.
const USER_DATA = `#!/bin/bash
set -euo pipefail
id ${SESSION_RUN_AS_USER} >/dev/null 2>&1 || useradd --create-home --shell /bin/bash ${SESSION_RUN_AS_USER}
`;

/**
 * Instances the vendor's staff work on, reached through Session Manager only: private subnets, no public address, no
 * ingress, egress to the enclave's endpoints only, IMDSv2 with one hop (a container on the instance cannot reach the
 * role's credentials), root volume encrypted with the vendor key. The enclave's session document is the only one the
 * vendor role may use; it logs every session to the archive and CloudWatch, encrypted, or the session does not start.
 */
export class EnclaveWorkspace extends pulumi.ComponentResource {
    readonly securityGroup: aws.ec2.SecurityGroup;
    readonly instances: Record<string, aws.ec2.Instance>;
    readonly sessionDocument: aws.ssm.Document;

    constructor(name: string, args: EnclaveWorkspaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("enclave:vendor:Workspace", name, {}, opts);
        const child = { parent: this };
        const tagged = (suffix: string) => ({ ...args.tags, Name: `enclave-${args.vendorId}-${suffix}` });

        // Inline rules only. No ingress at all: Session Manager needs none (the agent dials out). Egress is HTTPS to
        // the interface endpoints' group and to S3 through the gateway endpoint, nothing else.
        this.securityGroup = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            {
                vpcId: args.vpcId,
                name: args.securityGroupName,
                description: "Workspace instances: no ingress; HTTPS to the enclave's endpoints only",
                ingress: [],
                egress: [
                    {
                        description: "HTTPS to the enclave's interface endpoints",
                        protocol: "tcp",
                        fromPort: 443,
                        toPort: 443,
                        securityGroups: [args.endpointSecurityGroupId],
                    },
                    {
                        description: "HTTPS to S3 through the gateway endpoint",
                        protocol: "tcp",
                        fromPort: 443,
                        toPort: 443,
                        prefixListIds: [args.s3PrefixListId],
                    },
                ],
                tags: tagged("workspace"),
            },
            child,
        );

        this.sessionDocument = new aws.ssm.Document(
            `${name}-session-document`,
            {
                name: args.documentName,
                documentType: "Session",
                documentFormat: "JSON",
                content: pulumi
                    .output(args.archiveBucketName)
                    .apply((bucket) =>
                        JSON.stringify(
                            sessionDocumentContent({ logGroupName: args.logGroupName, archiveBucketName: bucket, sessionLogPrefix: args.sessionLogPrefix }),
                        ),
                    ),
                tags: args.tags,
            },
            child,
        );

        this.instances = {};
        for (const slot of workspaceSlots(args.zones, args.workspace.count)) {
            this.instances[slot.key] = new aws.ec2.Instance(
                `${name}-${slot.key}`,
                {
                    ami: imageReference(args.workspace.image),
                    instanceType: args.workspace.instanceType,
                    subnetId: args.subnets[slot.az].id,
                    vpcSecurityGroupIds: [this.securityGroup.id],
                    associatePublicIpAddress: false,
                    iamInstanceProfile: args.instanceProfileName,
                    metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" },
                    rootBlockDevice: {
                        encrypted: true,
                        kmsKeyId: args.keyArn,
                        volumeSize: args.workspace.volumeGiB,
                        volumeType: "gp3",
                        deleteOnTermination: true,
                        tags: tagged(`workspace-${slot.key}`),
                    },
                    userData: USER_DATA,
                    tags: tagged(`workspace-${slot.key}`),
                },
                child,
            );
        }
        this.registerOutputs({ securityGroupId: this.securityGroup.id, sessionDocument: this.sessionDocument.name });
    }
}
