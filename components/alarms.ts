/**
 * Every alarm of the project fires on a single occurrence: one event in a five-minute period is one too many (a
 * tripwire read, an evidence switch, a dead letter, a stopped airlock execution). No data is no event.
 */
export const ON_FIRST_OCCURRENCE = {
    period: 300,
    evaluationPeriods: 1,
    threshold: 1,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    treatMissingData: "notBreaching",
} as const;
