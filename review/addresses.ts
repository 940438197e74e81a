// Source addresses as exact sets of IPv4 ranges. The access report and its diff reason about WHICH addresses a policy
// admits, not about the text of a CIDR: a /32 inside an allowed /24 adds nothing, a /23 replacing a /24 adds 256
// addresses, and both must be judged by the same arithmetic whatever the prefix lengths. Parsing is ip-address's;
// the sets are inclusive [first, last] intervals of 32-bit integers.
import { Address4 } from "ip-address";

export type Interval = readonly [bigint, bigint];
/** A normalized set: sorted, disjoint, non-adjacent intervals. */
export type RangeSet = Interval[];

const LAST = (1n << 32n) - 1n;
export const EVERY_ADDRESS: RangeSet = [[0n, LAST]];

/** "198.51.100.0/24" or "198.51.100.7" (a single address) as its interval; undefined if not IPv4. */
export function intervalOf(cidr: string): Interval | undefined {
    if (!Address4.isValid(cidr)) return undefined;
    const a = new Address4(cidr);
    return [a.startAddress().bigInt(), a.endAddress().bigInt()];
}

export function normalize(intervals: readonly Interval[]): RangeSet {
    const sorted = [...intervals].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    const out: [bigint, bigint][] = [];
    for (const [a, b] of sorted) {
        const last = out[out.length - 1];
        if (last && a <= last[1] + 1n) last[1] = b > last[1] ? b : last[1];
        else out.push([a, b]);
    }
    return out;
}

export function setOf(cidrs: readonly string[]): RangeSet {
    return normalize(cidrs.map((c) => intervalOf(c)).filter((i): i is Interval => i !== undefined));
}

export const union = (...sets: RangeSet[]): RangeSet => normalize(sets.flat());

/** Addresses of `a` that are not in `b`. */
export function subtract(a: RangeSet, b: RangeSet): RangeSet {
    const out: Interval[] = [];
    for (const [start, end] of a) {
        let cur = start;
        for (const [bs, be] of b) {
            if (be < cur || bs > end) continue;
            if (bs > cur) out.push([cur, bs - 1n]);
            cur = be + 1n;
            if (cur > end) break;
        }
        if (cur <= end) out.push([cur, end]);
    }
    return normalize(out);
}

export const complement = (a: RangeSet): RangeSet => subtract(EVERY_ADDRESS, a);
export const isEmpty = (a: RangeSet) => a.length === 0;
export const contains = (a: RangeSet, address: bigint) => a.some(([s, e]) => s <= address && address <= e);
export const addressText = (n: bigint) => Address4.fromBigInt(n).correctForm();

/** The fewest CIDR blocks that cover exactly the set, in address order. */
export function toCidrs(a: RangeSet): string[] {
    const out: string[] = [];
    for (const [start, end] of a) {
        let cur = start;
        while (cur <= end) {
            // The largest aligned block starting at `cur` that does not pass `end`.
            let size = 32n;
            while (size > 0n) {
                const block = 1n << (32n - size + 1n);
                if (cur % block !== 0n || cur + block - 1n > end) break;
                size--;
            }
            out.push(`${addressText(cur)}/${size}`);
            cur += 1n << (32n - size);
        }
    }
    return out;
}

/**
 * The partition of the address space by membership in `ranges`: addresses in exactly the same ranges fall in one
 * part. A policy's IpAddress/NotIpAddress conditions can only tell addresses apart by the ranges it names, so when
 * `ranges` holds every range any policy names, one address of each part decides for the whole part.
 * Parts are returned in address order of their first address; the part in none of the ranges comes last.
 */
export function partition(ranges: readonly string[]): { members: string[]; set: RangeSet }[] {
    const named = [...new Set(ranges)].map((c) => ({ cidr: c, i: intervalOf(c) })).filter((x): x is { cidr: string; i: Interval } => x.i !== undefined);
    const cuts = new Set<bigint>([0n]);
    for (const { i } of named) {
        cuts.add(i[0]);
        if (i[1] < LAST) cuts.add(i[1] + 1n);
    }
    const starts = [...cuts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const parts = new Map<string, { members: string[]; intervals: Interval[] }>();
    starts.forEach((s, k) => {
        const e = k + 1 < starts.length ? starts[k + 1] - 1n : LAST;
        const members = named
            .filter(({ i }) => i[0] <= s && e <= i[1])
            .map(({ cidr }) => cidr)
            .sort();
        const key = members.join(",");
        const p = parts.get(key) ?? { members, intervals: [] };
        p.intervals.push([s, e]);
        parts.set(key, p);
    });
    const out = [...parts.values()].map((p) => ({ members: p.members, set: normalize(p.intervals) }));
    return [...out.filter((p) => p.members.length > 0), ...out.filter((p) => p.members.length === 0)];
}

/** A set as a reader wants it: its CIDRs, or "any address except ..." when that is the shorter way to say it. */
export function describeSet(a: RangeSet): string {
    if (isEmpty(a)) return "no address";
    const inside = toCidrs(a);
    const outside = toCidrs(complement(a));
    if (outside.length === 0) return "any address";
    return inside.length <= outside.length ? inside.join(", ") : `any address except ${outside.join(", ")}`;
}
