import { z } from 'zod';
import { keyPath } from '../formatting/key-path.js';
import { SCHEMA_VERSION, type RunResults } from './types.js';

// The schema of results.json, checked whenever a file is read back (bench report, bench compare).
// harness/results/types.ts stays the documented interfaces; `sameType` below makes the build fail when
// the two drift apart, so there is one format with one check.

const latencyMs = z.object({ p50: z.number(), p90: z.number(), p99: z.number(), p999: z.number(), max: z.number(), mean: z.number() });
const spread = z.object({ min: z.number(), max: z.number() });
const generatorEngine = z.enum(['builtin', 'wrk', 'locust']);

const placement = z.object({
  mode: z.enum(['shared', 'separate']),
  serverCpus: z.string().nullable(),
  generatorCpus: z.string().nullable(),
  serverCores: z.number(),
});

const pointEvent = z.object({ t: z.number(), what: z.string() });
const waiting = z.object({ count: z.number(), longestS: z.number() });

const resourceUse = z.object({ cpuPercent: z.number(), peakRssMb: z.number(), peakPssMb: z.number().nullable(), processes: z.number() });

const gapReason = <K extends string, E extends z.ZodType>(kind: K, evidence: E) => z.object({ kind: z.literal(kind), text: z.string(), evidence });
const modelGap = z.object({
  ratio: z.number(),
  band: z.tuple([z.number(), z.number()]),
  reasons: z.array(
    z.discriminatedUnion('kind', [
      gapReason(
        'uneven-spread',
        z.object({
          source: z.enum(['responses', 'cpu']),
          workers: z.array(z.object({ pid: z.number(), share: z.number(), connections: z.number().optional() })),
          keptAlive: z.boolean().optional(),
          busiestCapacityRps: z.number().optional(),
          spreadCapRps: z.number().optional(),
        }),
      ),
      gapReason(
        'cores',
        z.object({
          cores: z.number(),
          busyPercent: z.number().optional(),
          serverPercent: z.number(),
          generatorPercent: z.number().optional(),
          otherPercent: z.number().optional(),
          appProcesses: z.number().optional(),
        }),
      ),
      gapReason('generator', z.object({ engine: generatorEngine, cpuPercent: z.number(), limit: z.string() })),
      gapReason('connection-cap', z.object({ maxConnections: z.number(), late: z.number(), peakConnections: z.number() })),
      gapReason('slow-clients', z.object({ count: z.number(), sendBytesPerSecond: z.number(), slots: z.number().nullable(), held: z.number() })),
      gapReason('database-pool', z.object({ workers: z.number(), pool: z.number(), connections: z.number(), inFlight: z.number() })),
      gapReason('estimate', z.object({ restsOn: z.string(), serviceMs: z.number().nullable(), cpuMsPerRequest: z.number().nullable() })),
      gapReason('none', z.object({}).strict()),
    ]),
  ),
});

const errorsByKind = z.object({ refused: z.number(), reset: z.number(), timeout: z.number(), non2xx: z.number(), other: z.number() });
const sessionStep = z.object({
  t: z.number(),
  lengthS: z.number(),
  deployment: z.string(),
  path: z.string(),
  load: z.string(),
  concurrency: z.number().optional(),
  offeredRps: z.number().optional(),
  slowClients: z.number(),
  throughputRps: z.number(),
  p50Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
  errorsPerS: errorsByKind,
  inFlight: z.number(),
  littleL: z.number().nullable(),
  busy: z.number(),
  held: z.number(),
  capacity: z.number().nullable(),
  predictedRps: z.number().nullable(),
  modelWorking: z.string().nullable(),
  cpuPercent: z.number().optional(),
  note: z.string(),
});

const resultRow = z.object({
  deployment: z.string(),
  server: z.string(),
  workers: z.number(),
  threads: z.number().optional(),
  pool: z.number().optional(),
  cooperativeDriver: z.boolean().optional(),
  preload: z.boolean().optional(),
  proxy: z.enum(['none', 'nginx', 'apache']),
  static: z.enum(['web-server', 'app']).optional(),
  path: z.string(),
  loop: z.enum(['closed', 'open']),
  concurrency: z.number(),
  offeredRps: z.number().optional(),
  durationS: z.number(),
  requests: z.number(),
  throughputRps: z.number(),
  samples: z.number(),
  latencyMs: latencyMs.nullable(),
  errorLatencyMs: latencyMs.optional(),
  errors: z.number(),
  timeouts: z.number(),
  non2xx: z.number(),
  saturated: z.boolean().optional(),
  unsent: z.number().optional(),
  late: z.number().optional(),
  peakConnections: z.number().optional(),
  maxConnections: z.number().optional(),
  predictedThroughputRps: z.number().nullable(),
  predictedLatencyMs: z.number().nullable(),
  throughputRatio: z.number().nullable(),
  model: z.object({
    capacity: z.number().nullable(),
    bound: z.string(),
    serviceMs: z.number().nullable(),
    serviceSource: z.literal('measured').optional(),
    cpuBoundRps: z.number().optional(),
    cpuMsPerRequest: z.number().optional(),
    cpuMeasuredAt: z.enum(['this level', 'one client']).optional(),
    sharedThread: z.object({ processes: z.number(), msPerRequest: z.number().optional(), holdsView: z.boolean().optional(), outsideMs: z.number().optional() }).optional(),
    estimate: z.string().optional(),
  }),
  modelGap: modelGap.optional(),
  network: z.object({ rttMs: z.number(), roundTrips: z.union([z.literal(1), z.literal(2)]), notInModel: z.string().optional() }).optional(),
  repeats: z.number(),
  spread: z.object({ throughputRps: spread, p50Ms: spread, p99Ms: spread }).optional(),
  perRepeat: z.array(z.object({ throughputRps: z.number(), p50Ms: z.number().nullable(), p99Ms: z.number().nullable() })).optional(),
  generator: z.object({
    engine: generatorEngine,
    placement: placement.shape.mode,
    cpuPercent: z.number(),
    cpuMsPerRequest: z.number().nullable(),
    eventLoopDelayMs: z.object({ p99: z.number(), max: z.number() }).nullable(),
    processes: z.number().optional(),
    saturated: z.boolean(),
    limit: z.string().optional(),
  }),
  resources: resourceUse,
  frontResources: resourceUse.optional(),
  timeline: z.array(
    z.object({ t: z.number(), rps: z.number(), p50Ms: z.number(), p99Ms: z.number(), errors: z.number(), non2xx: z.number() }),
  ),
  timelineRepeat: z.number(),
  counts: z
    .object({ sequences: z.number(), rising: z.boolean(), samples: z.array(z.object({ atS: z.number(), count: z.number(), pid: z.number() })) })
    .optional(),
  events: z.array(pointEvent).optional(),
  generatorChanges: z
    .array(z.object({ t: z.number(), change: z.enum(['worker lost', 'worker joined']), worker: z.string(), repeat: z.number().optional() }))
    .optional(),
  fault: z
    .object({
      killed: z.enum(['worker', 'master']).optional(),
      killedPid: z.number(),
      atS: z.number(),
      recoveryS: z.number().nullable(),
      firstAnswerS: z.number().nullable().optional(),
      failed: z.number().optional(),
      waiting: waiting.optional(),
      managerSaid: z.string().optional(),
    })
    .optional(),
  deploy: z
    .object({
      action: z.enum(['restart', 'reload', 'update']),
      atS: z.number(),
      tookS: z.number(),
      failed: z.number(),
      waiting: waiting.optional(),
      longestGapS: z.number(),
      p99BeforeMs: z.number().nullable(),
      p99DuringMs: z.number().nullable(),
      versions: z.array(z.object({ version: z.string(), responses: z.number(), firstS: z.number(), lastS: z.number() })),
      managerSaid: z.string().optional(),
    })
    .optional(),
  manager: z.enum(['supervisord', 'pm2', 'forever']).optional(),
  managerConfig: z.object({ name: z.string(), text: z.string() }).optional(),
  serverArgs: z.array(z.string()).optional(),
  nginxConfig: z.string().optional(),
  apacheConfig: z.string().optional(),
  serverEnv: z.record(z.string(), z.string()).optional(),
  effectiveSettings: z
    .object({
      source: z.string(),
      readBack: z.boolean(),
      configFile: z.object({ path: z.string(), from: z.enum(['config:', 'args:', 'the app folder']) }).optional(),
      settings: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())])),
      code: z.array(z.string()).optional(),
    })
    .optional(),
  slowClients: z.object({ count: z.number(), sendBytesPerSecond: z.number(), completed: z.number() }).optional(),
  byRequest: z
    .array(z.object({ request: z.string(), weight: z.number(), throughputRps: z.number(), samples: z.number(), latencyMs: latencyMs.nullable() }))
    .optional(),
});

const asgiAppFacts = z.object({
  framework: z.string().optional(),
  routes: z
    .array(
      z.object({
        path: z.string(),
        pattern: z.string(),
        runs: z.enum(['event-loop', 'blocks-loop', 'thread-pool', 'one-thread']),
        blocks: z.array(z.string()).optional(),
      }),
    )
    .optional(),
  threadPool: z.object({ size: z.number(), startup: z.boolean() }).optional(),
});

const appUnderTest = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('wsgi'), wsgi: z.string(), dir: z.string(), python: z.string(), health: z.string() }),
  z.object({ kind: z.literal('asgi'), asgi: z.string(), dir: z.string(), python: z.string(), health: z.string(), facts: asgiAppFacts.optional() }),
  z.object({ kind: z.literal('node'), node: z.string(), health: z.string() }),
]);

const tuneSummary = z.object({
  slo: z.object({ percentile: z.enum(['p50', 'p90', 'p99', 'p999']), maxMs: z.number() }),
  budgetMb: z.number().nullable(),
  tolerance: z.number(),
  bestRps: z.number().nullable(),
  recommended: z.string().nullable(),
  reason: z.string(),
  notes: z.array(z.string()),
  ranked: z.array(
    z.object({
      deployment: z.string(),
      server: z.string(),
      workers: z.number(),
      threads: z.number().optional(),
      proxy: z.enum(['none', 'nginx', 'apache']),
      size: z.number(),
      throughputAtSloRps: z.number().nullable(),
      atLoad: z.number().nullable(),
      latencyMs: z.number().nullable(),
      peakPssMb: z.number().nullable(),
      peakRssMb: z.number().nullable(),
      withinBudget: z.boolean(),
      stoppedBy: z.enum(['slo', 'flat', 'cap', 'failed', 'interrupted']),
      knee: z.boolean(),
      cpuPercent: z.number().optional(),
      appProcesses: z.number().optional(),
      cpuBound: z.enum(['model', 'busy']).optional(),
    }),
  ),
  measuredOn: z
    .object({ placement, generator: generatorEngine, machineCpus: z.number(), serverHost: z.string().optional() })
    .optional(),
});

/** A machine a run used: this one, and the --server-host one. */
const environment = z.object({
  node: z.string(),
  os: z.string(),
  cpus: z.number(),
  cpuModel: z.string(),
  totalMemoryMb: z.number(),
  benchVersion: z.string(),
  software: z.object({
    nginx: z.string().optional(),
    gunicorn: z.string().optional(),
    uwsgi: z.string().optional(),
    python: z.string().optional(),
    flask: z.string().optional(),
    gevent: z.string().optional(),
    uvicorn: z.string().optional(),
    starlette: z.string().optional(),
    fcgiwrap: z.string().optional(),
    locust: z.string().optional(),
    postgresql: z.string().optional(),
    psycopg2: z.string().optional(),
    psycogreen: z.string().optional(),
    asyncpg: z.string().optional(),
  }),
  serverEnvironment: z.object({ names: z.array(z.string()), removed: z.array(z.string()) }),
});

const deploymentFailure = z.object({ deployment: z.string(), server: z.string(), reason: z.string(), atPoint: z.string().optional() });

export const runResultsSchema = z.object({
  // Which versions a reader accepts is decided before this schema applies (see checkResults).
  schemaVersion: z.number(),
  scenario: z.string(),
  title: z.string().optional(),
  notice: z.string().optional(),
  description: z.string().optional(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  complete: z.boolean(),
  environment,
  serverMachine: environment.optional(),
  settings: z.object({
    xAxis: z.enum(['concurrency', 'workers', 'slow-clients']),
    durationS: z.number(),
    warmupS: z.number(),
    timeoutS: z.number(),
    quick: z.boolean(),
    generator: generatorEngine,
    locust: z.object({ workers: z.number(), masterBind: z.object({ host: z.string(), port: z.number() }).optional(), remoteWorkers: z.number().optional() }).optional(),
    placement,
    maxConnections: z.number(),
    concurrency: z.array(z.number()),
    rates: z.array(z.number()),
    repeat: z.number(),
    paths: z.array(z.string()),
    deployments: z.array(z.string()),
    timelineDeployment: z.string().optional(),
    app: appUnderTest.optional(),
    requests: z
      .array(z.object({ method: z.string(), path: z.string(), headers: z.record(z.string(), z.string()), body: z.string().optional(), weight: z.number() }))
      .optional(),
    slowClients: z.object({ counts: z.array(z.number()), sendBytesPerSecond: z.number() }).optional(),
    database: z.literal('postgres').optional(),
    serverHost: z.string().optional(),
  }),
  results: z.array(resultRow),
  failures: z.array(deploymentFailure),
  skipped: z.array(deploymentFailure),
  tune: tuneSummary.optional(),
  changes: z.array(pointEvent).optional(),
  steps: z.array(sessionStep).optional(),
});

/** What every bench results file has, whatever its version. */
const resultsEnvelope = z.object({ scenario: z.string(), results: z.array(z.unknown()), schemaVersion: z.unknown().optional() });

type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
// A field added to one of the two and not the other stops the build here.
const sameType: Same<z.infer<typeof runResultsSchema>, RunResults> = true;
void sameType;

/** A parsed results.json, or why it is not one, as the end of a sentence that starts with the file's name. */
export type CheckedResults = { run: RunResults } | { problem: string };

/**
 * Checks a parsed results.json: first that it is a bench results file at all, then that this bench
 * knows its schemaVersion (files of other versions are refused, not guessed at), then every field.
 */
export function checkResults(value: unknown): CheckedResults {
  const envelope = resultsEnvelope.safeParse(value);
  if (!envelope.success) return { problem: 'is not a bench results file: no "scenario" and "results"' };
  const version = envelope.data.schemaVersion;
  if (version === undefined || (typeof version === 'number' && version < SCHEMA_VERSION)) {
    const which = version === undefined ? 'no schemaVersion' : `schemaVersion ${version}`;
    return { problem: `was written by an older bench (${which}; this bench reads ${SCHEMA_VERSION}): run the scenario again` };
  }
  if (typeof version === 'number' && version > SCHEMA_VERSION) {
    return { problem: `was written by a newer bench (schemaVersion ${version}; this bench reads ${SCHEMA_VERSION}): upgrade bench` };
  }
  const parsed = runResultsSchema.safeParse(value, { reportInput: true });
  if (parsed.success) return { run: parsed.data };
  const issue = parsed.error.issues[0];
  return { problem: `is not a valid bench results file: ${issue === undefined ? 'unknown problem' : describeIssue(issue)}` };
}

/** "results[3].latencyMs.p99: expected number, got a string", or "… missing" for an absent field. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const where = keyPath(issue.path);
  if (issue.code === 'invalid_type') {
    const got = issue.input === undefined ? 'missing' : `got ${issue.input === null ? 'null' : Array.isArray(issue.input) ? 'a list' : typeof issue.input}`;
    return `${where}: expected ${issue.expected}, ${got}`;
  }
  // zod's messages open with "Invalid input: " or "Invalid option: ", which the sentence already says.
  return `${where}: ${issue.message.replace(/^Invalid \w+: /, '')}`;
}
