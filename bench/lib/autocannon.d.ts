// The part of autocannon (which ships no types) that lib/service.mjs uses.
declare module 'autocannon' {
  interface Options {
    url: string;
    connections?: number;
    amount?: number;
    overallRate?: number;
    pipelining?: number;
    /** Seconds. */
    timeout?: number;
    sampleInt?: number;
  }
  interface Result {
    errors: number;
    timeouts: number;
    non2xx: number;
  }
  interface Instance {
    on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): this;
    stop(): void;
  }
  function autocannon(options: Options, callback: (error: Error | null, result: Result) => void): Instance;
  export default autocannon;
}
