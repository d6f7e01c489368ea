import { relative } from 'node:path';

/** What `npm start` prints once everything listens: where to go, and a few commands to try. */

export const DEV_PASSWORD = 'alice-password';

export interface DevFiles {
  /** The example identity service's CLI script. */
  readonly authCli: string;
  readonly usersFile: string;
}

export function instructions(formgateUrl: string, authUrl: string, signInNote: string | undefined, files: DevFiles): string {
  const cli = `node ${relative(process.cwd(), files.authCli)}`;
  const USERS_FILE = files.usersFile;
  const protection = process.argv.slice(2).some((a) => a.startsWith('--protect')) ? 'with the --protect you gave' : 'writes need a token';
  const uiOff = process.argv.slice(2).some((a) => a === '--no-ui' || a === '--ui=false');
  const browser = uiOff
    ? `The web client is off (--no-ui). Run it apart, in another terminal:\n  npm start -- --no-api --api-url ${formgateUrl} --port 8081`
    : signInNote === undefined
      ? `Open ${formgateUrl} in a browser and sign in as alice (password ${DEV_PASSWORD}).`
      : `Open ${formgateUrl} in a browser (${signInNote}).`;
  return `
${browser}

Formgate is running at ${formgateUrl} (API reference: ${formgateUrl}/docs), ${protection}.
The example identity service is at ${authUrl}; its users are in ${USERS_FILE} (alice / alice-password, bob / bob-password).

Get a token for alice:
  TOKEN=$(curl -s ${authUrl}/token -d grant_type=password -d username=alice -d password=alice-password | sed -E 's/.*"access_token":"([^"]+)".*/\\1/')

Create a document with it:
  curl -s ${formgateUrl}/api/v1/forms/expense-report/documents -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"employeeId":"AB12345","spentOn":"2026-11-20","amount":42.5,"category":"travel"}'

List the expense reports alice may see (all of them: she is in finance, which may read every report; bob would see only his own):
  curl -s ${formgateUrl}/api/v1/forms/expense-report/documents -H "Authorization: Bearer $TOKEN"

Add a user: ${cli} users add carol --groups staff --users ${USERS_FILE}
Ctrl-C stops both.
`;
}


/** The web client alone (`npm start -- --no-api --api-url …`): where to go, and where its API is. */
export function webOnlyInstructions(formgateUrl: string, apiUrl: string, signInNote: string | undefined): string {
  const browser =
    signInNote === undefined
      ? `Open ${formgateUrl} in a browser and sign in as alice (password ${DEV_PASSWORD}).`
      : `Open ${formgateUrl} in a browser (${signInNote}).`;
  return `
${browser}

This is the web client alone: it has no database and no forms of its own. Every page asks the API at
${apiUrl}, which the other terminal's npm start -- --no-ui runs. Stop that one and the pages say the
service is unavailable; start it again and they work again, without restarting this one.
Ctrl-C stops the web client.
`;
}
