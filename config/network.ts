import { Address4 } from "ip-address";

const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map((c) => new Address4(c));
const NON_PUBLIC_RANGES = [
    ...PRIVATE_RANGES,
    new Address4("0.0.0.0/8"),
    new Address4("100.64.0.0/10"),
    new Address4("127.0.0.0/8"),
    new Address4("169.254.0.0/16"),
    new Address4("224.0.0.0/3"),
];

export function parseCidr(text: string): Address4 | undefined {
    if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(text) || !Address4.isValid(text)) return undefined;
    return new Address4(text);
}

/** The CIDR with host bits cleared, e.g. 10.20.1.0/20 -> 10.20.0.0/20. */
export function networkOf(cidr: Address4): string {
    return `${cidr.startAddress().correctForm()}/${cidr.subnetMask}`;
}

export function isNetworkAddress(cidr: Address4): boolean {
    return cidr.addressMinusSuffix === cidr.startAddress().correctForm();
}

export function isPrivate(cidr: Address4): boolean {
    return PRIVATE_RANGES.some((r) => cidr.isInSubnet(r));
}

export function isPublicRange(cidr: Address4): boolean {
    return !NON_PUBLIC_RANGES.some((r) => cidr.isInSubnet(r) || r.isInSubnet(cidr));
}

/** The address `offset` hosts into a range, e.g. 10.20.0.0/20 + 10 -> 10.20.0.10 (a realistic source IP). */
export function hostInCidr(cidr: string, offset: number): string {
    return Address4.fromBigInt(new Address4(cidr).startAddress().bigInt() + BigInt(offset)).correctForm();
}

/**
 * Carves the VPC range into four equal subnets (prefix + 2) and returns the first `count`. Four slots, not `count`,
 * so that raising azCount later adds a subnet without moving the existing ones (a moved CIDR replaces the subnet).
 */
export function subnetCidrs(vpcCidr: string, count: number): string[] {
    const vpc = new Address4(vpcCidr);
    const prefix = vpc.subnetMask + 2;
    const size = 1n << BigInt(32 - prefix);
    const base = vpc.startAddress().bigInt();
    return Array.from({ length: count }, (_, i) => `${Address4.fromBigInt(base + size * BigInt(i)).correctForm()}/${prefix}`);
}
