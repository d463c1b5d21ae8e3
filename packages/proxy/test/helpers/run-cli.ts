// Runs `switchboard proxy` as the cli package will: node … run-cli.ts --config file.yaml
import { runProxyCli } from '../../src/cli.js';

await runProxyCli(process.argv.slice(2));
