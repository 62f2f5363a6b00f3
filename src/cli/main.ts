import { EXIT, type CliIo } from './io.js';
import { runCli } from './run.js';

/** `npx concord …` (bin/concord.js): the real process's arguments, streams and exit code. */
async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const io: CliIo = {
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  readStdin,
};

runCli(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error('concord: unexpected failure:', error);
    process.exitCode = EXIT.failed;
  },
);
