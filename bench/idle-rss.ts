/**
 * `node --import tsx bench/idle-rss.ts [--rounds N] [--variant "label=node args… script"]…`: Concord's
 * idle RSS in live mode, 1 s after its ready line, as bench/memory.ts measures it, for several ways of
 * starting it. Each round starts every variant once, in turn (alternating, so load on a shared box
 * falls on all of them alike), against one sandbox (demo data: Concord reads nothing at idle) and one
 * Redis. Without `--variant` it measures the production image's CMD (the Dockerfile's).
 */
import { parseArgs } from 'node:util';
import { TEST_JWT } from '../test/support/tokens.js';
import {
  benchConcordEnv,
  productionCommand,
  RssSampler,
  startChild,
  startRedis,
  stopAll,
  twinEnv,
} from './processes.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    variant: { type: 'string', multiple: true },
  },
});

interface Variant {
  label: string;
  argv: string[];
}

function variants(): Variant[] {
  const given = args.variant ?? [];
  if (given.length === 0) {
    const p = productionCommand();
    return [{ label: 'CMD', argv: [...p.nodeFlags, p.script] }];
  }
  return given.map((v) => {
    const eq = v.indexOf('=');
    if (eq < 1) throw new Error(`--variant "label=args… script", got ${v}`);
    return {
      label: v.slice(0, eq),
      argv: v
        .slice(eq + 1)
        .split(/\s+/)
        .filter(Boolean),
    };
  });
}

async function main(): Promise<void> {
  const list = variants();
  const knobs = Object.fromEntries(
    ['HUBSPOT', 'STRIPE', 'POSTHOG', 'SALESFORCE'].map((p) => [`SANDBOX_${p}_PORT`, '0']),
  );
  const { match: sb } = await startChild(
    'sandbox',
    process.execPath,
    ['--import', 'tsx', 'sandbox/main.ts'],
    { SANDBOX_SIZE: 'demo', ...knobs },
    /^\s+HubSpot\s+(\S+)[\s\S]*?^\s+Stripe\s+(\S+)[\s\S]*?^\s+PostHog\s+(\S+)\s/m,
  );
  const [, hubspot = '', stripe = '', posthog = ''] = sb;
  const redisUrl = await startRedis();
  const env = benchConcordEnv(twinEnv({ hubspot, stripe, posthog }), redisUrl, TEST_JWT);
  const results = new Map<string, number[]>(list.map((v) => [v.label, []]));
  for (let round = 0; round < Number(args.rounds); round++) {
    for (const v of list) {
      const { child } = await startChild(
        `concord ${v.label}`,
        process.execPath,
        v.argv,
        env,
        /Concord ready at/,
      );
      await new Promise((r) => setTimeout(r, 1_000));
      results.get(v.label)?.push(RssSampler.currentMiB(child.pid) ?? NaN);
      await child.stop();
    }
  }
  for (const v of list) {
    const xs = [...(results.get(v.label) ?? [])].sort((a, b) => a - b);
    const median = xs[Math.floor(xs.length / 2)] ?? NaN;
    console.log(
      `${v.label}: idle RSS MiB median ${median.toFixed(1)} [${xs.map((x) => x.toFixed(1)).join(', ')}] (${v.argv.join(' ')})`,
    );
  }
}

try {
  await main();
} finally {
  await stopAll();
}
