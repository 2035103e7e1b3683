import { Gauge, Histogram, Registry } from 'prom-client';

/**
 * The figures this process measures itself, for `GET /metrics` (src/http/metrics.ts adds the ones read from the
 * database at each scrape). One registry per process, like the logger: the router and the jobs record into it
 * wherever they run, without threading it through every call.
 */
export const registry = new Registry();

const answerSeconds = new Histogram({
  name: 'balance_answer_duration_seconds',
  help: 'Time from a /balance command reaching the router to its reply, by subcommand',
  labelNames: ['subcommand'] as const,
  // An answer in the ack must be well inside Slack's 3 s; the interesting part is below 100 ms.
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});

const jobLastSuccess = new Gauge({
  name: 'balance_job_last_success_timestamp_seconds',
  help: 'When each scheduled job last finished without an error in this process (Unix time)',
  labelNames: ['job'] as const,
  registers: [registry],
});

/** Records how long a `/balance` command took to answer; `subcommand` is one of the registry's, `help` or `unknown`. */
export function observeAnswer(subcommand: string, seconds: number): void {
  answerSeconds.observe({ subcommand }, seconds);
}

export function jobSucceeded(job: string, at: Date): void {
  jobLastSuccess.set({ job }, at.getTime() / 1000);
}
