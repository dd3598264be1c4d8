// Helpers of the end-to-end tests and the UI benchmark. launch: Debian's Chromium (/usr/bin/chromium, or CROSSLINK_CHROMIUM) headless through
// playwright-core, with the flags a machine without internet needs: no component updates,
// no background networking, no sandbox when running as root (CI containers).
import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';

export async function launch() {
  const executablePath = process.env.CROSSLINK_CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}: apt-get install chromium (scripts/test.sh does)`);
  }
  const args = [
    '--headless=new',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-default-apps',
    '--disable-sync',
    '--disable-extensions',
    '--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication,CertificateTransparencyComponentUpdater',
    '--metrics-recording-only',
    '--password-store=basic',
    '--use-mock-keychain',
  ];
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  return chromium.launch({ executablePath, args, headless: true });
}

/** A GraphQL client for the tests and the benchmark: data, or an Error with the errors. */
export function client(url, key) {
  return async function gql(query, variables = {}) {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = await res.json();
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
}
