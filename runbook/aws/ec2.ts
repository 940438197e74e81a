import {
    DescribeVpcEndpointsCommand,
    paginateDescribeRouteTables,
    paginateDescribeVpcEndpoints,
    paginateDescribeVpcs,
    type EC2Client,
    type Filter,
    type VpcEndpoint as SdkVpcEndpoint,
} from "@aws-sdk/client-ec2";
import type { InterfaceEndpoint, PolicyJson } from "../types";
import { awsCall, orNull } from "./errors";
import { parsePolicy } from "./policy";

/** Any VPC endpoint of a VPC, whatever its type; `service` is the last part of the service name ("s3", "kms"). */
export interface VpcEndpointInfo extends InterfaceEndpoint {
    /** "Gateway", "Interface", "GatewayLoadBalancer", ... as EC2 spells it. */
    type: string;
    serviceName: string;
    state: string;
}

/** One route of a route table; `target` is whatever the route sends traffic to (igw-, nat-, pcx-, tgw-, vpce-, local). */
export interface RouteInfo {
    routeTableId: string;
    destination: string;
    target: string;
    state: string;
}

const isDeleted = (ep: SdkVpcEndpoint) => ["deleted", "deleting"].includes((ep.State ?? "").toLowerCase());

function serviceShort(region: string, serviceName: string): string {
    const prefix = `com.amazonaws.${region}.`;
    return serviceName.startsWith(prefix) ? serviceName.slice(prefix.length) : serviceName;
}

async function describeEndpoints(ec2: EC2Client, resource: string, filters: Filter[]): Promise<SdkVpcEndpoint[]> {
    return awsCall(resource, "ec2:DescribeVpcEndpoints", async () => {
        const out: SdkVpcEndpoint[] = [];
        for await (const page of paginateDescribeVpcEndpoints({ client: ec2 }, { Filters: filters })) out.push(...(page.VpcEndpoints ?? []));
        return out;
    });
}

/** null: the endpoint no longer exists (or has no policy document). */
export async function endpointPolicy(ec2: EC2Client, id: string): Promise<PolicyJson | null> {
    const r = await orNull(`VPC endpoint ${id}`, "ec2:DescribeVpcEndpoints", () => ec2.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [id] })));
    const ep = r?.VpcEndpoints?.[0];
    return ep && !isDeleted(ep) && ep.PolicyDocument ? parsePolicy(`VPC endpoint ${id} policy`, ep.PolicyDocument) : null;
}

/** Every endpoint of the VPC that is not deleted, of every type: an endpoint added outside the stack is a path too. */
export async function vpcEndpoints(ec2: EC2Client, region: string, vpcId: string): Promise<VpcEndpointInfo[]> {
    const eps = await describeEndpoints(ec2, `VPC ${vpcId}`, [{ Name: "vpc-id", Values: [vpcId] }]);
    return eps
        .filter((ep) => !isDeleted(ep))
        .map((ep) => ({
            id: ep.VpcEndpointId ?? "",
            type: String(ep.VpcEndpointType ?? ""),
            serviceName: ep.ServiceName ?? "",
            service: serviceShort(region, ep.ServiceName ?? ""),
            state: String(ep.State ?? ""),
            policy: ep.PolicyDocument ? parsePolicy(`VPC endpoint ${ep.VpcEndpointId} policy`, ep.PolicyDocument) : null,
        }));
}

export async function interfaceEndpoints(ec2: EC2Client, region: string, vpcId: string): Promise<InterfaceEndpoint[]> {
    return (await vpcEndpoints(ec2, region, vpcId))
        .filter((e) => e.type.toLowerCase() === "interface")
        .map(({ id, service, policy }) => ({ id, service, policy }));
}

/** Every route of every route table of the VPC: a route to an internet or NAT gateway, a peering or a transit gateway is a way out. */
export async function vpcRoutes(ec2: EC2Client, vpcId: string): Promise<RouteInfo[]> {
    return awsCall(`VPC ${vpcId}`, "ec2:DescribeRouteTables", async () => {
        const out: RouteInfo[] = [];
        for await (const page of paginateDescribeRouteTables({ client: ec2 }, { Filters: [{ Name: "vpc-id", Values: [vpcId] }] })) {
            for (const rt of page.RouteTables ?? []) {
                for (const r of rt.Routes ?? []) {
                    out.push({
                        routeTableId: rt.RouteTableId ?? "",
                        destination: r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock ?? r.DestinationPrefixListId ?? "",
                        target:
                            r.GatewayId ??
                            r.NatGatewayId ??
                            r.TransitGatewayId ??
                            r.VpcPeeringConnectionId ??
                            r.NetworkInterfaceId ??
                            r.InstanceId ??
                            r.EgressOnlyInternetGatewayId ??
                            r.LocalGatewayId ??
                            r.CarrierGatewayId ??
                            r.CoreNetworkArn ??
                            "",
                        state: String(r.State ?? ""),
                    });
                }
            }
        }
        return out;
    });
}

/** VPC ids carrying every one of these tags. */
export async function vpcsByTags(ec2: EC2Client, tags: Record<string, string>): Promise<string[]> {
    return awsCall(
        `VPC tagged ${Object.entries(tags)
            .map(([k, v]) => `${k}=${v}`)
            .join(",")}`,
        "ec2:DescribeVpcs",
        async () => {
            const ids: string[] = [];
            const filters = Object.entries(tags).map(([k, v]) => ({ Name: `tag:${k}`, Values: [v] }));
            for await (const page of paginateDescribeVpcs({ client: ec2 }, { Filters: filters }))
                ids.push(...(page.Vpcs ?? []).map((v) => v.VpcId ?? "").filter(Boolean));
            return ids;
        },
    );
}
