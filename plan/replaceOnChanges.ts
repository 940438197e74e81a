// Which inputs make the provider replace a resource (delete and create it again) instead of updating it in place.
//
// @pulumi/aws ships no schema and no replaceOnChanges metadata in its npm package: the provider binary holds the
// schema, and it is not installed here (no Pulumi CLI). The bridged provider replaces a resource when an input its
// Terraform schema marks ForceNew changes; this table is that list, read from terraform-provider-aws (the v6 line
// @pulumi/aws v7 bridges), written down for exactly the types this program registers. A type the program starts to
// register without an entry here fails test/resource-diff.test.ts: add its ForceNew inputs (or [] when every input
// updates in place) before relying on the diff. What the table cannot know: provider releases that change a field's
// behaviour, and replacements the provider decides at apply time (e.g. an import). Inputs the program does not set are
// listed too when they are ForceNew, so a later change that starts setting them is judged right.
//
// A replacement matters most for stateful resources: a replaced bucket or key does not carry its objects or the data
// encrypted under it; a replaced VPC takes its subnets, endpoints and every network interface in it along.

export const REPLACE_ON_CHANGES: Readonly<Record<string, readonly string[]>> = {
    // Network
    "aws:ec2/vpc:Vpc": ["cidrBlock", "ipv4IpamPoolId", "ipv4NetmaskLength"],
    "aws:ec2/subnet:Subnet": ["availabilityZone", "availabilityZoneId", "cidrBlock", "vpcId", "outpostArn"],
    "aws:ec2/routeTable:RouteTable": ["vpcId"],
    // The association is moved to another route table in place (ReplaceRouteTableAssociation); a new subnet is a new one.
    "aws:ec2/routeTableAssociation:RouteTableAssociation": ["subnetId", "gatewayId"],
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": ["vpcId"],
    "aws:ec2/securityGroup:SecurityGroup": ["name", "namePrefix", "description", "vpcId"],
    "aws:ec2/vpcEndpoint:VpcEndpoint": ["serviceName", "vpcId", "vpcEndpointType", "serviceRegion", "resourceConfigurationArn", "serviceNetworkArn"],
    // A flow log cannot be modified: every setting is fixed at creation.
    "aws:ec2/flowLog:FlowLog": [
        ...["logDestination", "logDestinationType", "trafficType", "vpcId", "subnetId", "eniId", "transitGatewayId", "transitGatewayAttachmentId"],
        ...["maxAggregationInterval", "iamRoleArn", "logFormat", "deliverCrossAccountRole", "destinationOptions"],
    ],
    "aws:route53/resolverFirewallConfig:ResolverFirewallConfig": ["resourceId"],
    "aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList": ["name"],
    "aws:route53/resolverFirewallRule:ResolverFirewallRule": ["firewallDomainListId", "firewallRuleGroupId"],
    "aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup": ["name"],
    "aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation": ["firewallRuleGroupId", "vpcId"],
    "aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig": ["name", "destinationArn"],
    "aws:route53/resolverQueryLogConfigAssociation:ResolverQueryLogConfigAssociation": ["resolverQueryLogConfigId", "resourceId"],
    // Identity: policies and trust are updated in place; a name or path is the identity itself.
    "aws:iam/role:Role": ["name", "namePrefix", "path"],
    "aws:iam/rolePolicy:RolePolicy": ["name", "namePrefix", "role"],
    "aws:iam/policy:Policy": ["name", "namePrefix", "path", "description"],
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ["role", "policyArn"],
    "aws:iam/instanceProfile:InstanceProfile": ["name", "namePrefix", "path"],
    // Keys: the key material's kind is fixed; policy, rotation and enablement (the seal) are updated in place.
    "aws:kms/key:Key": ["customerMasterKeySpec", "keyUsage", "multiRegion", "customKeyStoreId", "xksKeyId"],
    "aws:kms/alias:Alias": ["name", "namePrefix"],
    // Buckets: the name is global and Object Lock can only be chosen at creation; the bucket-level settings are
    // separate resources keyed by the bucket.
    "aws:s3/bucket:Bucket": ["bucket", "bucketPrefix", "objectLockEnabled"],
    "aws:s3/bucketPolicy:BucketPolicy": ["bucket"],
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ["bucket"],
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": ["bucket"],
    "aws:s3/bucketVersioning:BucketVersioning": ["bucket", "expectedBucketOwner"],
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": ["bucket", "expectedBucketOwner"],
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": ["bucket", "expectedBucketOwner"],
    "aws:s3/bucketLogging:BucketLogging": ["bucket", "expectedBucketOwner"],
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": ["bucket", "expectedBucketOwner", "objectLockEnabled"],
    // Audit
    "aws:cloudtrail/trail:Trail": ["name"],
    "aws:cloudwatch/logGroup:LogGroup": ["name", "namePrefix", "logGroupClass"],
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": ["name", "logGroupName"],
    "aws:cloudwatch/metricAlarm:MetricAlarm": ["name"],
    "aws:cloudwatch/eventRule:EventRule": ["name", "namePrefix", "eventBusName"],
    "aws:cloudwatch/eventTarget:EventTarget": ["rule", "targetId", "eventBusName"],
    "aws:sns/topic:Topic": ["name", "namePrefix", "fifoTopic"],
    "aws:sns/topicPolicy:TopicPolicy": ["arn"],
    "aws:sns/topicSubscription:TopicSubscription": ["topic", "protocol", "endpoint"],
    // An object's bucket and key are its identity; a new body, key id or tag set is written in place (a new version).
    "aws:s3/bucketObjectv2:BucketObjectv2": ["bucket", "key"],
    // The random provider regenerates the value whenever any of its settings changes (a new external ID).
    "random:index/randomPassword:RandomPassword": [
        ...["length", "special", "upper", "lower", "numeric", "number", "minLower", "minUpper", "minNumeric", "minSpecial"],
        ...["overrideSpecial", "keepers"],
    ],
    // A provider whose region changes is a new provider: every resource it manages is replaced along with it.
    "pulumi:providers:aws": ["region"],
    // A read of another stack's outputs: nothing is created, so nothing is replaced.
    "pulumi:pulumi:StackReference": [],
};

/** The ForceNew inputs of a resource type, or undefined when the table does not know the type. */
export function replaceOnChanges(type: string): readonly string[] | undefined {
    return Object.hasOwn(REPLACE_ON_CHANGES, type) ? REPLACE_ON_CHANGES[type] : undefined;
}
