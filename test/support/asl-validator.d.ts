// asl-validator ships no type declarations; this is the part the tests use.
declare module "asl-validator" {
    export default function aslValidator(
        definition: unknown,
        options?: { checkPaths?: boolean; checkArn?: boolean },
    ): { isValid: boolean; errors: { message: string }[]; errorsText: (separator?: string) => string };
}
