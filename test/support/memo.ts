/**
 * Memoizes a pure async function by the content of its arguments, for tests that ask the same question many times
 * (an access report of the same plan: seconds of simulation each). Each caller gets its own deep copy, so a caller that
 * edits its result cannot change what the next one sees. `context` joins the key: whatever besides the arguments the
 * function reads (an environment variable) keeps a result computed under other conditions from being reused. What a
 * memoized test cannot prove: that two runs of the function agree (a test of determinism must call it unmemoized).
 */
export function memoByContent<A extends unknown[], R>(fn: (...args: A) => Promise<R>, context: () => unknown = () => undefined): (...args: A) => Promise<R> {
    const results = new Map<string, Promise<R>>();
    return async (...args: A) => {
        const key = JSON.stringify([context(), args]);
        let result = results.get(key);
        if (!result) {
            result = fn(...args);
            results.set(key, result);
            // A failure is not remembered: the next call tries again (and fails again, on its own).
            result.catch(() => results.delete(key));
        }
        return structuredClone(await result);
    };
}
