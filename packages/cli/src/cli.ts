import { main } from './main.js';

const code = await main({
  argv: process.argv.slice(2),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
});
// Exit once the output is flushed: a DNS lookup that outlived its timeout must not hold the process open.
process.stdout.write('', () => process.exit(code));
