import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { render } from "../iam/document";
import { vendorNames, type Tags } from "../iam/names";
import { interfaceEndpointPolicy, s3EndpointPolicy, type VendorPolicyBase } from "../iam/vendor";
import type { InterfaceEndpointService } from "../config/schema";
import { subnetCidrs } from "../config/network";
import { EnclaveDns } from "./dns";

export interface EnclaveNetworkArgs {
    vendorId: string;
    region: string;
    cidr: string;
    azCount: number;
    interfaceEndpoints: InterfaceEndpointService[];
    base: pulumi.Output<VendorPolicyBase>;
    keyArn: pulumi.Input<string>;
    /** S3 ARN (bucket/prefix/) in the central archive that receives the flow logs. */
    flowLogDestination: pulumi.Input<string>;
    /** S3 ARN (bucket/prefix/) in the central archive that receives the DNS query logs. */
    dnsQueryLogDestination: pulumi.Input<string>;
    sealed: boolean;
    tags: Tags;
}

/** AZ keys are the region's zone letters in order; names derive from them, never from list positions. */
export function availabilityZones(region: string, count: number): string[] {
    return ["a", "b", "c"].slice(0, count).map((letter) => `${region}${letter}`);
}

/**
 * Private-only network: no internet, NAT or egress-only gateway, no EIP, no route beyond the VPC. Data flows through an
 * S3 gateway endpoint (free) whose policy admits only this vendor's roles and buckets. Interface endpoints are opt-in
 * because each costs per AZ-hour. The resolver, the one path out that routes do not close, answers AWS names only
 * (components/dns.ts).
 */
export class EnclaveNetwork extends pulumi.ComponentResource {
    readonly vpc: aws.ec2.Vpc;
    readonly subnets: Record<string, aws.ec2.Subnet>;
    readonly routeTable: aws.ec2.RouteTable;
    readonly s3Endpoint: aws.ec2.VpcEndpoint;
    readonly interfaceEndpoints: Record<string, aws.ec2.VpcEndpoint>;
    readonly endpointSecurityGroup?: aws.ec2.SecurityGroup;
    readonly isolationGroup: aws.ec2.SecurityGroup;
    readonly flowLog: aws.ec2.FlowLog;
    readonly dns: EnclaveDns;

    constructor(name: string, args: EnclaveNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("enclave:vendor:Network", name, {}, opts);
        const child = { parent: this };
        const tagged = (suffix: string) => ({ ...args.tags, Name: `enclave-${args.vendorId}-${suffix}` });

        this.vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: args.cidr, enableDnsSupport: true, enableDnsHostnames: true, tags: tagged("vpc") }, child);

        // Adopting the default security group with no rules closes it (FSBP EC2.2): nothing can use it by accident.
        new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: this.vpc.id, ingress: [], egress: [], tags: tagged("default-closed") }, child);

        // The group a breach's contain moves the enclave's instances into: made here, ahead of time, so that contain
        // only has to find it by name and the isolation is one write per interface in the seal's single round of
        // writes (creating it mid-incident costs two more rounds: create, then strip the rule AWS adds). AWS gives
        // every new group an allow-all egress rule; `egress: []` makes the provider revoke it, and `ingress: []`
        // keeps it empty: no rule either way, so an instance in it reaches nothing and nothing reaches it.
        this.isolationGroup = new aws.ec2.SecurityGroup(
            `${name}-isolation-sg`,
            {
                vpcId: this.vpc.id,
                name: vendorNames(args.vendorId).isolationGroup,
                description: "Breach isolation: no inbound, no outbound (the contain step moves instances here)",
                ingress: [],
                egress: [],
                tags: tagged("isolation"),
            },
            child,
        );

        const zones = availabilityZones(args.region, args.azCount);
        const cidrs = subnetCidrs(args.cidr, args.azCount);
        this.routeTable = new aws.ec2.RouteTable(`${name}-private-rt`, { vpcId: this.vpc.id, tags: tagged("private") }, child);
        this.subnets = {};
        zones.forEach((az, i) => {
            const subnet = new aws.ec2.Subnet(
                `${name}-subnet-${az}`,
                { vpcId: this.vpc.id, availabilityZone: az, cidrBlock: cidrs[i], mapPublicIpOnLaunch: false, tags: tagged(`private-${az}`) },
                child,
            );
            new aws.ec2.RouteTableAssociation(`${name}-rta-${az}`, { subnetId: subnet.id, routeTableId: this.routeTable.id }, child);
            this.subnets[az] = subnet;
        });

        this.s3Endpoint = new aws.ec2.VpcEndpoint(
            `${name}-s3-endpoint`,
            {
                vpcId: this.vpc.id,
                serviceName: `com.amazonaws.${args.region}.s3`,
                vpcEndpointType: "Gateway",
                routeTableIds: [this.routeTable.id],
                policy: args.base.apply((p) => render(s3EndpointPolicy(p))),
                tags: tagged("s3"),
            },
            child,
        );

        this.interfaceEndpoints = {};
        if (args.interfaceEndpoints.length > 0) {
            // Inline rules only (never mixed with rule resources); 443 from inside the VPC, no egress: endpoint ENIs
            // only answer connections.
            this.endpointSecurityGroup = new aws.ec2.SecurityGroup(
                `${name}-endpoints-sg`,
                {
                    vpcId: this.vpc.id,
                    name: `enclave-${args.vendorId}-endpoints`,
                    description: "Interface endpoints: HTTPS from inside the enclave VPC only",
                    ingress: [{ description: "HTTPS from the enclave VPC", protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: [args.cidr] }],
                    egress: [],
                    tags: tagged("endpoints"),
                },
                child,
            );
            const subnetIds = zones.map((az) => this.subnets[az].id);
            for (const service of args.interfaceEndpoints) {
                // Subnets and the security group are direct inputs so destroy removes the endpoint (and its ENIs)
                // before them; otherwise the subnet delete fails with DependencyViolation.
                this.interfaceEndpoints[service] = new aws.ec2.VpcEndpoint(
                    `${name}-${service}-endpoint`,
                    {
                        vpcId: this.vpc.id,
                        serviceName: `com.amazonaws.${args.region}.${service}`,
                        vpcEndpointType: "Interface",
                        privateDnsEnabled: true,
                        subnetIds,
                        securityGroupIds: [this.endpointSecurityGroup.id],
                        policy: pulumi.all([args.base, args.keyArn]).apply(([p, keyArn]) => render(interfaceEndpointPolicy(service, { ...p, keyArn }))),
                        tags: tagged(service),
                    },
                    child,
                );
            }
        }

        this.flowLog = new aws.ec2.FlowLog(
            `${name}-flow-log`,
            {
                vpcId: this.vpc.id,
                trafficType: "ALL",
                logDestinationType: "s3",
                logDestination: args.flowLogDestination,
                maxAggregationInterval: 600,
                tags: tagged("flow-log"),
            },
            child,
        );
        this.dns = new EnclaveDns(
            `${name}-dns`,
            { vendorId: args.vendorId, vpcId: this.vpc.id, queryLogDestination: args.dnsQueryLogDestination, sealed: args.sealed, tags: args.tags },
            child,
        );
        this.registerOutputs({ vpcId: this.vpc.id, s3EndpointId: this.s3Endpoint.id });
    }
}
