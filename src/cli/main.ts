import { loadDotEnv } from '../config/dotenv.ts';
import { runCli } from './program.ts';

// Entry point of the `rblwatch` binary. A `.env` in the working directory fills in unset variables.
loadDotEnv('.env', process.env);
// Setting exitCode instead of calling exit() lets stdout drain first.
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
