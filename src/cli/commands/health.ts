import type { CliCommand } from '../command.js';
import { getJson } from '../http-client.js';
import { healthText, type HealthAnswer } from '../health-text.js';
import { controllerUrl, parseOptions } from '../options.js';

export const command: CliCommand = {
  name: 'health',
  summary: "show every service's health, the seats online and the head-end clock",
  help: `Usage: purser health [--controller URL] [--json]

Prints every service of a running controller with its state (ok, degraded,
down), how long ago it entered it ("3 min ago", read against the head-end's
own clock) and why, then how many seats are online and the head-end clock
(its offset from the seats' consensus and any jumps). A controller still
starting says what it is still checking.

Exits 0 when every service is ok, 1 otherwise (or when it cannot be reached).

  --controller URL  default $PURSER_URL or http://127.0.0.1:8080
  --json            print the API's JSON (GET /api/v1/health) instead`,
  async run(args) {
    const { values } = parseOptions(args, { controller: { type: 'string' }, json: { type: 'boolean' } });
    // 503 is health's answer when something is not ok (or it is starting): a body to show, not an error.
    const h = await getJson<HealthAnswer>(controllerUrl(values.controller), '/api/v1/health', {}, [503]);
    console.log(values.json ? JSON.stringify(h, null, 2) : healthText(h));
    return h.state === 'running' && h.status === 'ok' ? 0 : 1;
  },
};
