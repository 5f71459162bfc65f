// Verifies Tollgate webhook messages with the npm package standardwebhooks
// (the reference implementation of the Standard Webhooks specification);
// run by TestSignatureVerifiedByStandardWebhooksNPM in package webhooks.
//
// Reads JSON from stdin: {"secret": "whsec_…", "messages": [{"headers": {…},
// "body": "…"}]}. Prints one line per message; exits non-zero on the first
// that does not verify.
import { Webhook } from "standardwebhooks";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { secret, messages } = JSON.parse(input);
const wh = new Webhook(secret);
for (const m of messages) {
  const payload = wh.verify(m.body, m.headers); // throws when it does not verify
  console.log(JSON.stringify({ verified: true, id: m.headers["webhook-id"], type: payload.type }));
}
